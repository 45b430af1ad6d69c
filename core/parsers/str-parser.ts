import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { formatTemplate, templateFields } from '../internal/format-template.ts';
import { pythonStr } from '../internal/python-text.ts';
import type { OutputParser } from './output-parser.ts';

export interface StrParserOptions {
  /** Instruction text; `{field}` placeholders are filled from `formatFields`. @default '' */
  template?: string;
  formatFields?: Readonly<Record<string, unknown>>;
}

/** Lagent's `StrParser`: the reply is used as it is; the template is the instruction. */
export class StrParser implements OutputParser<unknown> {
  readonly template: string;
  readonly formatFields: Readonly<Record<string, unknown>>;

  constructor({ template = '', formatFields = {} }: StrParserOptions = {}) {
    const missing = templateFields(template).filter((field) => !Object.hasOwn(formatFields, field));
    if (missing.length > 0) {
      throw new InvalidArgumentError({
        message: `not all required fields of "template" are provided, missing ${missing.join(', ')}`,
      });
    }
    this.template = template;
    this.formatFields = formatFields;
  }

  formatInstruction(): string {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.formatFields)) {
      fields[key] = this.formatToString(value);
    }
    return formatTemplate(this.template, fields);
  }

  /** How a format field is rendered into the template; JSONParser renders schemas. */
  formatToString(value: unknown): string {
    return pythonStr(value);
  }

  parseResponse(text: string): unknown {
    return text;
  }

  formatResponse(parsed: unknown): string {
    return typeof parsed === 'string' ? parsed : String(parsed);
  }
}
