import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';

/**
 * Python `str.format` for named fields: `{name}` is replaced, `{{` and `}}` are literal
 * braces. Lagent's prompt templates are written for this syntax, so they port unchanged.
 */
export function formatTemplate(
  template: string,
  fields: Readonly<Record<string, unknown>>,
): string {
  let output = '';
  let index = 0;
  while (index < template.length) {
    const char = template[index];
    const next = template[index + 1];
    if (char === '{' && next === '{') {
      output += '{';
      index += 2;
    } else if (char === '}' && next === '}') {
      output += '}';
      index += 2;
    } else if (char === '{') {
      const close = template.indexOf('}', index);
      if (close === -1) {
        throw new InvalidArgumentError({ message: `Unclosed "{" in template at ${index}` });
      }
      const name = template.slice(index + 1, close);
      if (!Object.hasOwn(fields, name)) {
        throw new InvalidArgumentError({ message: `Template field "${name}" has no value` });
      }
      output += String(fields[name]);
      index = close + 1;
    } else {
      output += char;
      index += 1;
    }
  }
  return output;
}

/** The field names a template refers to, in order of first use. */
export function templateFields(template: string): string[] {
  const names: string[] = [];
  const pattern = /\{\{|\}\}|\{([^{}]*)\}/g;
  for (const match of template.matchAll(pattern)) {
    const name = match[1];
    if (name !== undefined && !names.includes(name)) names.push(name);
  }
  return names;
}
