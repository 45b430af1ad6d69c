import { OpenAIModel } from '../../core/index.ts';
import type { OpenAIModelOptions } from '../../core/index.ts';
import type { ScriptedModelServer, ScriptedReply } from '../model-replay/scripted-model-server.ts';
import { startScriptedModelServer } from '../model-replay/scripted-model-server.ts';

/** Model used when OPENAI_MODEL is not set. */
export const DEFAULT_LIVE_MODEL = 'gpt-4o-mini';

export interface ModelFromEnv extends AsyncDisposable {
  model: OpenAIModel;
  /** True when replies come from a recording, not a live model. */
  replaying: boolean;
  /** What the user should be told about where replies come from. */
  notice: string;
}

/**
 * A live model when OPENAI_API_KEY or OPENAI_BASE_URL is set; otherwise a scripted server on
 * 127.0.0.1 that replays `recording`, so the same real client and HTTP path run offline.
 */
export async function modelFromEnv({
  recording,
  recordingName = "the model turn recorded in Lagent's README",
  env = process.env,
  options = {},
}: {
  recording: readonly ScriptedReply[];
  /** What the recording is, for the notice. */
  recordingName?: string;
  env?: NodeJS.ProcessEnv;
  options?: Partial<OpenAIModelOptions>;
}): Promise<ModelFromEnv> {
  const apiKey = env['OPENAI_API_KEY'];
  const baseURL = env['OPENAI_BASE_URL'];
  if (apiKey !== undefined || baseURL !== undefined) {
    const name = env['OPENAI_MODEL'] ?? DEFAULT_LIVE_MODEL;
    return {
      model: new OpenAIModel({
        model: name,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(baseURL === undefined ? {} : { baseURL }),
        ...options,
      }),
      replaying: false,
      notice: `Using the live model "${name}" at ${baseURL ?? 'api.openai.com'}.`,
      [Symbol.asyncDispose]: () => Promise.resolve(),
    };
  }
  const server: ScriptedModelServer = await startScriptedModelServer({ replies: [...recording] });
  return {
    model: new OpenAIModel({
      model: 'recorded-seed-model',
      baseURL: server.baseURL,
      apiKey: 'none',
      maxRetries: 0,
      ...options,
    }),
    replaying: true,
    notice:
      `No OPENAI_API_KEY or OPENAI_BASE_URL set: replaying ${recordingName} ` +
      `(a RECORDING, not a live model) from a local server at ${server.baseURL}.`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}
