import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Action } from '../../core/index.ts';
import { ToolDefinitionError } from '../../core/index.ts';

/** Imports modules that export a tool as `tool` (their main-thread tools). */
export async function loadToolModules(modules: readonly string[]): Promise<Action[]> {
  return Promise.all(
    modules.map(async (module) => {
      const url = pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
      const action = ((await import(url)) as { tool?: Action }).tool;
      if (!action || typeof action.run !== 'function') {
        throw new ToolDefinitionError({ message: `${module} has no tool export "tool"` });
      }
      return action;
    }),
  );
}
