import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GENERATION_PARAMS,
  GENERATION_PARAM_KEYS,
  pickGenerationOverrides,
} from '../../../../core/llms/chat-model.ts';

describe('DEFAULT_GENERATION_PARAMS', () => {
  it("equals Lagent's BaseLLM gen_params defaults and cannot be changed", () => {
    expect(DEFAULT_GENERATION_PARAMS).toEqual({
      maxNewTokens: 512,
      temperature: 0.8,
      topP: 0.8,
      topK: 40,
      repetitionPenalty: 1,
      stopWords: [],
    });
    expect(Object.isFrozen(DEFAULT_GENERATION_PARAMS)).toBe(true);
    expect(GENERATION_PARAM_KEYS).toEqual(Object.keys(DEFAULT_GENERATION_PARAMS));
  });
});

describe('pickGenerationOverrides', () => {
  it('keeps only generation parameters that are set', () => {
    const options = {
      sessionId: 3,
      exitAt: 1,
      signal: new AbortController().signal,
      temperature: 0,
      stopWords: ['<|im_end|>'],
      topK: undefined,
      maxNewTokens: 10,
      topP: 0.5,
      repetitionPenalty: 1.1,
    };

    expect(pickGenerationOverrides(options)).toEqual({
      maxNewTokens: 10,
      temperature: 0,
      topP: 0.5,
      repetitionPenalty: 1.1,
      stopWords: ['<|im_end|>'],
    });
  });

  it('returns an empty object when there are none', () => {
    expect(pickGenerationOverrides({ sessionId: 0 })).toEqual({});
    expect(pickGenerationOverrides({})).toEqual({});
  });
});
