import { isPlainObject, safeParseJson } from '../../core/index.ts';

/**
 * Lagent's `extract_code`: the code in a ``` block, else in `single backticks`, else the
 * `code` of a JSON object, else the text as it is. Models wrap code in all of these.
 */
export function extractCode(text: string): string {
  const triple = /```[^\n]*\n([\s\S]+?)```/.exec(text);
  if (triple?.[1] !== undefined) return triple[1];
  const single = /`([^`]*)`/.exec(text);
  if (single?.[1] !== undefined) return single[1];
  const json = safeParseJson(text);
  if (json.success && isPlainObject(json.value) && typeof json.value['code'] === 'string') {
    return json.value['code'];
  }
  return text;
}
