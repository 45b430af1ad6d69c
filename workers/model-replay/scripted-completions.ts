// The scripted model server's `POST /v1/completions`: OpenAI's text-completion format, which
// vLLM and LMDeploy also serve, for clients that render the prompt themselves.
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { cutAtStop, sendJson, splitEvery, writeSse } from './scripted-http.ts';

/** The fields chat and text completion requests share. */
export const samplingBodyShape = {
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  max_tokens: z.number().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
};

export const completionBodySchema = z.looseObject({
  model: z.string(),
  prompt: z.string(),
  ...samplingBodyShape,
  skip_special_tokens: z.boolean().nullish(),
});

/** A typed view of a text-completion request body; unknown extra keys are kept. */
export type CompletionBody = z.infer<typeof completionBodySchema>;

/** What a scripted reply says, as far as a text completion can carry it. */
export interface TextCompletionReply {
  content?: string;
  finishReason?: 'stop' | 'tool_calls' | 'length';
  honourStop?: boolean;
  chunkChars?: number;
  chunkDelayMs?: number;
}

/** Answers one text completion, as JSON or (when the body asks) as an SSE stream. */
export async function answerTextCompletion(options: {
  res: ServerResponse;
  reply: TextCompletionReply;
  body: CompletionBody;
  model: string;
  counter: number;
  defaultChunkChars: number;
  defaultChunkDelayMs: number;
  signal: AbortSignal;
}): Promise<void> {
  const { res, reply, body, counter } = options;
  const raw = reply.content ?? '';
  const content = reply.honourStop === false ? raw : cutAtStop({ content: raw, stop: body.stop });
  const finishReason = reply.finishReason ?? 'stop';
  // About four characters a token: close enough for usage fields nobody bills.
  const promptTokens = Math.ceil(body.prompt.length / 4);
  const completionTokens = Math.ceil(content.length / 4);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const head = {
    id: `cmpl-scripted-${counter}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model || options.model,
  };
  const choice = (text: string, finish: string | null) => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finish,
  });
  if (body.stream !== true) {
    const payload = { ...head, choices: [choice(content, finishReason)], usage };
    sendJson({ res, status: 200, payload });
    return;
  }
  const size = Math.max(1, reply.chunkChars ?? options.defaultChunkChars);
  const events: unknown[] = splitEvery({ text: content, size }).map((piece) => ({
    ...head,
    choices: [choice(piece, null)],
  }));
  events.push({ ...head, choices: [choice('', finishReason)] });
  if (body.stream_options?.include_usage === true) events.push({ ...head, choices: [], usage });
  await writeSse({
    res,
    status: 200,
    frames: events.map((event) => `data: ${JSON.stringify(event)}\n\n`),
    tail: 'data: [DONE]\n\n',
    chunkDelayMs: reply.chunkDelayMs ?? options.defaultChunkDelayMs,
    signal: options.signal,
  });
}
