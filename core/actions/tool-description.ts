import { z } from 'zod';
import type {
  ApiDescription,
  LagentParameterType,
  ParameterDescription,
  ReturnDataDescription,
} from './action.ts';
import { isOptionalField, unwrapSchema } from '../internal/zod-introspection.ts';

/** Lagent's JsonParser adds this sentence to every API description. */
export const JSON_PARAMETER_DESCRIPTION =
  'If you call this tool, you must pass arguments in the JSON format {key: value}, where the key is the parameter name.';

function lagentType(schema: z.ZodType): LagentParameterType {
  const { inner } = unwrapSchema(schema);
  if (inner instanceof z.ZodArray) return 'Array';
  if (inner instanceof z.ZodBoolean) return 'BOOLEAN';
  if (inner instanceof z.ZodNumber) return inner.isInt ? 'NUMBER' : 'FLOAT';
  return 'STRING';
}

export interface DescribeApiOptions {
  name: string;
  description: string;
  /** The parameters the model fills in. */
  parameters: z.ZodObject;
  /**
   * Fields of the value the API returns, listed as `return_data` (Lagent's
   * `@tool_api(explode_return=True)`): name, `.describe()` text, and type unless the field
   * is `z.unknown()`/`z.any()` (Lagent leaves `type` out for an item without one).
   */
  returns?: z.ZodObject | undefined;
  /**
   * The argument parser's sentence, added last; '' adds none.
   * @default JSON_PARAMETER_DESCRIPTION
   */
  parameterDescription?: string;
}

/**
 * An API's description in Lagent's format, derived from its zod schemas, keys in Lagent's
 * order: name, description, parameters, required, return_data, parameter_description.
 */
export function describeApi({
  name,
  description,
  parameters,
  returns,
  parameterDescription = JSON_PARAMETER_DESCRIPTION,
}: DescribeApiOptions): ApiDescription {
  const shape = parameters.shape as Record<string, z.ZodType>;
  const described: ParameterDescription[] = Object.entries(shape).map(([parameter, field]) => {
    // Lagent always writes the key, '' when the parameter has no description.
    const text = unwrapSchema(field).description ?? '';
    return { name: parameter, type: lagentType(field), description: text };
  });
  const api: ApiDescription = {
    name,
    description,
    parameters: described,
    required: Object.entries(shape)
      .filter(([, field]) => !isOptionalField(field))
      .map(([parameter]) => parameter),
  };
  const returnData = returns ? describeReturns(returns) : [];
  // Lagent adds return_data only when there is some.
  if (returnData.length > 0) api.return_data = returnData;
  if (parameterDescription) api.parameter_description = parameterDescription;
  return api;
}

function describeReturns(returns: z.ZodObject): ReturnDataDescription[] {
  return Object.entries(returns.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { inner, description = '' } = unwrapSchema(field);
    const untyped = inner instanceof z.ZodUnknown || inner instanceof z.ZodAny;
    return untyped ? { name, description } : { name, description, type: lagentType(field) };
  });
}

/** JSON Schema of an API's input, for OpenAI's `tools` (no `$schema` key: some servers reject it). */
export function inputJsonSchema(parameters: z.ZodObject): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(parameters, {
    io: 'input',
    unrepresentable: 'any',
  });
  return schema;
}
