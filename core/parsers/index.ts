export type { FormatResponseOptions, OutputParser } from './output-parser.ts';
export type { StrParserOptions } from './str-parser.ts';
export { StrParser } from './str-parser.ts';
export type { JSONFormatModel, JSONParserOptions } from './json-parser.ts';
export { JSONParser } from './json-parser.ts';
export type { ToolFormatted, ToolParserOptions } from './tool-parser.ts';
export {
  defaultPluginValidate,
  InterpreterParser,
  isToolFormatted,
  PluginParser,
  ToolParser,
} from './tool-parser.ts';
export type { MixedToolParserOptions } from './mixed-tool-parser.ts';
export { MixedToolParser } from './mixed-tool-parser.ts';
