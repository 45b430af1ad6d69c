import { z } from 'zod';

/** A schema with its optional, nullable and default wrappers taken off. */
export interface UnwrappedSchema {
  inner: z.ZodType;
  optional: boolean;
  nullable: boolean;
  hasDefault: boolean;
  defaultValue: unknown;
  description: string | undefined;
}

/**
 * Peels optional / nullable / default wrappers (in any order). The description may sit on
 * any layer, since `.describe()` can be called before or after `.optional()`.
 */
export function unwrapSchema(schema: z.ZodType): UnwrappedSchema {
  let current: z.ZodType = schema;
  let optional = false;
  let nullable = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let description = current.description;
  for (;;) {
    if (current instanceof z.ZodOptional) {
      optional = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodNullable) {
      nullable = true;
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodDefault) {
      hasDefault = true;
      defaultValue = current.def.defaultValue;
      current = current.unwrap() as z.ZodType;
    } else {
      break;
    }
    description ??= current.description;
  }
  return { inner: current, optional, nullable, hasDefault, defaultValue, description };
}

/** True when the field may be left out of the input. */
export function isOptionalField(schema: z.ZodType): boolean {
  const unwrapped = unwrapSchema(schema);
  return unwrapped.optional || unwrapped.hasDefault;
}
