import { z } from 'zod';
import type { ApiDescription, LagentParameterType, ParameterDescription } from './action.ts';
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

/** An API's description in Lagent's format, derived from its zod schema. */
export function describeApi({
  name,
  description,
  parameters,
}: {
  name: string;
  description: string;
  parameters: z.ZodObject;
}): ApiDescription {
  const shape = parameters.shape as Record<string, z.ZodType>;
  const described: ParameterDescription[] = Object.entries(shape).map(([parameter, field]) => {
    // Lagent always writes the key, '' when the parameter has no description.
    const text = unwrapSchema(field).description ?? '';
    return { name: parameter, type: lagentType(field), description: text };
  });
  return {
    name,
    description,
    parameters: described,
    required: Object.entries(shape)
      .filter(([, field]) => !isOptionalField(field))
      .map(([parameter]) => parameter),
    parameter_description: JSON_PARAMETER_DESCRIPTION,
  };
}

/** JSON Schema of an API's input, for OpenAI's `tools` (no `$schema` key: some servers reject it). */
export function inputJsonSchema(parameters: z.ZodObject): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(parameters, {
    io: 'input',
    unrepresentable: 'any',
  });
  return schema;
}
