import { test as base } from 'vitest';
import { OpenAIModel } from '../../core/index.ts';
import type { OpenAIModelOptions } from '../../core/index.ts';
import {
  startScriptedModelServer,
  type ScriptedModelServer,
} from '../../workers/model-replay/scripted-model-server.ts';

interface ModelServerFixtures {
  /** A scripted OpenAI-compatible server on 127.0.0.1, closed after the test. */
  server: ScriptedModelServer;
  /** An OpenAIModel pointed at `server` (no retries unless asked). */
  createModel: (options?: Partial<OpenAIModelOptions>) => OpenAIModel;
}

export const test = base.extend<ModelServerFixtures>({
  // eslint-disable-next-line no-empty-pattern -- vitest needs the destructuring pattern
  server: async ({}, use) => {
    const server = await startScriptedModelServer();
    try {
      await use(server);
    } finally {
      await server.close();
    }
  },
  createModel: async ({ server }, use) => {
    await use(
      (options = {}) =>
        new OpenAIModel({
          model: 'scripted-model',
          baseURL: server.baseURL,
          apiKey: 'test',
          maxRetries: 0,
          ...options,
        }),
    );
  },
});
