import { pathToFileURL } from 'node:url';
import { extname, isAbsolute, resolve } from 'node:path';
import { Piscina } from 'piscina';
import type {
  Action,
  ActionApi,
  ActionReturn,
  RunActionOptions,
  ToolDescription,
} from '../../core/index.ts';
import {
  AbortedError,
  DEFAULT_SESSION_ID,
  parseActionReturn,
  ToolDefinitionError,
} from '../../core/index.ts';
import type { ThreadToolTask } from './tool-thread.ts';

export interface ThreadToolModule {
  /** Path (or file URL) of a module exporting the tool. */
  module: string;
  /** @default 'tool' */
  exportName?: string;
}

export interface ThreadToolPoolOptions {
  modules: readonly ThreadToolModule[];
  /** @default the number of CPUs */
  maxThreads?: number;
}

/** A tool whose calls run on the pool's threads; it looks like any other Action. */
class ThreadAction implements Action {
  readonly name: string;
  readonly isToolkit: boolean;
  readonly description: ToolDescription;
  readonly apis: readonly ActionApi[];
  readonly #pool: Piscina;
  readonly #module: string;
  readonly #exportName: string;

  constructor({
    pool,
    module,
    exportName,
    action,
  }: {
    pool: Piscina;
    module: string;
    exportName: string;
    action: Action;
  }) {
    this.#pool = pool;
    this.#module = module;
    this.#exportName = exportName;
    this.name = action.name;
    this.isToolkit = action.isToolkit;
    this.description = action.description;
    this.apis = action.apis;
  }

  async run({
    inputs,
    api = 'run',
    sessionId = DEFAULT_SESSION_ID,
    signal,
  }: RunActionOptions): Promise<ActionReturn> {
    const task: ThreadToolTask = {
      module: this.#module,
      exportName: this.#exportName,
      inputs,
      api,
      sessionId: String(sessionId),
    };
    try {
      // Aborting terminates the thread that runs the call (piscina replaces it).
      const result: unknown = await this.#pool.run(task, signal === undefined ? {} : { signal });
      return parseActionReturn(result, `result of ${this.name}`);
    } catch (error) {
      if (signal?.aborted)
        throw new AbortedError({ message: `Tool ${this.name} was aborted`, cause: error });
      throw error;
    }
  }
}

/**
 * Runs CPU-bound tools on a piscina thread pool, so the worker's event loop stays free to
 * renew job locks, send heartbeats and stream output while they compute.
 */
export class ThreadToolPool {
  readonly actions: readonly Action[];
  readonly #pool: Piscina;

  private constructor(pool: Piscina, actions: readonly Action[]) {
    this.#pool = pool;
    this.actions = actions;
  }

  static async start({ modules, maxThreads }: ThreadToolPoolOptions): Promise<ThreadToolPool> {
    const pool = new Piscina({
      // The thread's entry sits beside this file: .ts in the source tree, .js in dist/.
      filename: new URL(`./tool-thread${extname(import.meta.url)}`, import.meta.url).href,
      ...(maxThreads === undefined ? {} : { maxThreads, minThreads: Math.min(1, maxThreads) }),
    });
    const actions = await Promise.all(
      modules.map(async ({ module, exportName = 'tool' }) => {
        const url = module.startsWith('file:')
          ? module
          : pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
        // Loaded here too, for the tool's name and description.
        const namespace = (await import(url)) as Record<string, unknown>;
        const action = namespace[exportName] as Action | undefined;
        if (!action || typeof action.run !== 'function') {
          throw new ToolDefinitionError({
            message: `${module} has no tool export "${exportName}"`,
          });
        }
        return new ThreadAction({ pool, module: url, exportName, action });
      }),
    );
    return new ThreadToolPool(pool, actions);
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
