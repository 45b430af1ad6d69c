import { z } from 'zod';
import { OutputParseError } from '../errors/agent-errors.ts';
import { DEFAULT_MAX_ARGUMENT_DEPTH } from '../actions/request-limits.ts';
import { isPlainObject, safeParseJson } from '../internal/json.ts';
import { isNestedDeeperThan } from '../internal/json-bounds.ts';
import { pythonStr } from '../internal/python-text.ts';
import { unwrapSchema } from '../internal/zod-introspection.ts';
import { StrParser } from './str-parser.ts';

export type JSONFormatModel = z.ZodObject;

export interface JSONParserOptions {
  /** Instruction text; `{name}` is replaced by the pseudo-JSON rendering of `models[name]`. */
  template?: string;
  /** The reply formats, tried in order. Lagent's pydantic models, as zod object schemas. */
  models: Readonly<Record<string, JSONFormatModel>>;
  /** Other template fields, rendered as text. */
  formatFields?: Readonly<Record<string, unknown>>;
}

// Values a model copies from the instruction instead of filling in.
const placeholders = new Set(['str', 'int', 'float', 'bool', 'list', 'dict']);

/**
 * Lagent's `JSONParser`: shows the model the reply formats as commented pseudo-JSON and
 * reads the reply back into the first format it matches.
 */
export class JSONParser extends StrParser {
  readonly models: Readonly<Record<string, JSONFormatModel>>;

  constructor({ template = '', models, formatFields = {} }: JSONParserOptions) {
    super({ template, formatFields: { ...formatFields, ...models } });
    this.models = models;
  }

  override formatToString(value: unknown): string {
    return value instanceof z.ZodObject ? renderModel(value) : String(value);
  }

  /**
   * Drops `//` comment lines, parses the JSON, picks the first model the data satisfies,
   * replaces copied placeholders ("str", "int", ...) by the field's default, and returns
   * the validated object. Throws OutputParseError when none of this works.
   */
  override parseResponse(text: string): Record<string, unknown> {
    const withoutComments = text
      .split('\n')
      .filter((line) => !line.trim().startsWith('//'))
      .join('\n');
    const parsed = safeParseJson(withoutComments);
    if (!parsed.success || !isPlainObject(parsed.value)) {
      throw new OutputParseError({
        message: 'Input string is not a valid JSON.',
        cause: parsed.success ? undefined : parsed.error,
      });
    }
    const data = parsed.value;
    if (isNestedDeeperThan(data, DEFAULT_MAX_ARGUMENT_DEPTH + 1))
      throw new OutputParseError({ message: 'The reply nests too deep.' });
    const model = Object.values(this.models).find((candidate) => candidate.safeParse(data).success);
    if (!model) {
      throw new OutputParseError({
        message: `The reply matches none of the formats: ${Object.keys(this.models).join(', ')}`,
      });
    }
    const filled: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data)) {
      const field = model.shape[name] as z.ZodType | undefined;
      if (!field) continue;
      if (typeof value === 'string' && placeholders.has(value)) {
        const { hasDefault, optional, defaultValue } = unwrapSchema(field);
        if (!hasDefault && !optional) {
          throw new OutputParseError({ message: `Field '${name}' is required but not provided` });
        }
        if (hasDefault) filled[name] = defaultValue;
      } else {
        filled[name] = value;
      }
    }
    const result = model.safeParse(filled);
    if (!result.success) {
      throw new OutputParseError({ message: z.prettifyError(result.error), cause: result.error });
    }
    return result.data;
  }
}

/** Python type names, as Lagent prints pydantic annotations. */
function typeName(schema: z.ZodType): string {
  const { inner, optional, nullable } = unwrapSchema(schema);
  const base = baseTypeName(inner);
  // Python prints `Optional[X]` as `Union[X, NoneType]`.
  return optional || nullable ? `Union[${base}, NoneType]` : base;
}

function baseTypeName(schema: z.ZodType): string {
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) return 'str';
  if (schema instanceof z.ZodNumber) return schema.isInt ? 'int' : 'float';
  if (schema instanceof z.ZodBoolean) return 'bool';
  if (schema instanceof z.ZodArray) return `list[${typeName(schema.element as z.ZodType)}]`;
  if (schema instanceof z.ZodRecord) return `dict[str, ${typeName(schema.valueType as z.ZodType)}]`;
  if (schema instanceof z.ZodObject) return 'dict';
  if (schema instanceof z.ZodUnion) {
    return `Union[${(schema.options as z.ZodType[]).map((option) => typeName(option)).join(', ')}]`;
  }
  if (schema instanceof z.ZodLiteral)
    return typeof [...schema.values][0] === 'number' ? 'int' : 'str';
  return 'Any';
}

function nestedModel(schema: z.ZodType): z.ZodObject | undefined {
  const { inner } = unwrapSchema(schema);
  if (inner instanceof z.ZodObject) return inner;
  if (inner instanceof z.ZodArray) return nestedModel(inner.element as z.ZodType);
  return undefined;
}

function renderField(name: string, schema: z.ZodType, indent: number): string {
  const pad = '    '.repeat(indent);
  const { description, hasDefault, optional, defaultValue } = unwrapSchema(schema);
  const lines: string[] = [];
  if (description) lines.push(`${pad}// ${description}`);
  const nested = nestedModel(schema);
  if (nested) {
    lines.push(`${pad}"${name}": {`);
    for (const [childName, child] of Object.entries(nested.shape)) {
      lines.push(renderField(childName, child as z.ZodType, indent + 1));
    }
    lines.push(`${pad}},`);
  } else if (hasDefault || optional) {
    lines.push(`${pad}"${name}": "${typeName(schema)}",  // default: ${pythonStr(defaultValue)}`);
  } else {
    lines.push(`${pad}"${name}": "${typeName(schema)}",  // required`);
  }
  return lines.join('\n');
}

function renderModel(model: z.ZodObject): string {
  const lines = Object.entries(model.shape).map(([name, field]) =>
    renderField(name, field as z.ZodType, 1),
  );
  const last = lines.at(-1);
  if (last?.endsWith(',')) lines[lines.length - 1] = last.slice(0, -1);
  return `{\n${lines.join('\n')}\n}`;
}
