export type { AggregateOptions, Aggregator, SystemInstruction } from './aggregator.ts';
export { aggregateSystemInstruction, contentToText } from './aggregator.ts';
export { DefaultAggregator, NATIVE_TOOL_TYPE, nativeToolCalls } from './default-aggregator.ts';
export type { FewShotMessage, InternLMToolAggregatorOptions } from './internlm-tool-aggregator.ts';
export { InternLMToolAggregator } from './internlm-tool-aggregator.ts';
