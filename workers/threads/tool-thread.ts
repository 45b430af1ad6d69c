// Runs inside a piscina worker thread: loads a tool module once and runs calls on it, so
// CPU-bound tools never hold the worker process's event loop (its heartbeat, its job locks).
import type { Action, ActionReturn } from '../../core/index.ts';

export interface ThreadToolTask {
  module: string;
  exportName: string;
  inputs: unknown;
  api: string;
  sessionId: string;
}

const loaded = new Map<string, Promise<Action>>();

async function load(module: string, exportName: string): Promise<Action> {
  const key = `${module}#${exportName}`;
  let action = loaded.get(key);
  if (!action) {
    action = import(module).then((namespace: Record<string, unknown>) => {
      const candidate = namespace[exportName] as Action | undefined;
      if (!candidate || typeof candidate.run !== 'function') {
        throw new TypeError(`${module} has no tool export "${exportName}"`);
      }
      return candidate;
    });
    loaded.set(key, action);
  }
  return action;
}

export default async function runTool({
  module,
  exportName,
  inputs,
  api,
  sessionId,
}: ThreadToolTask): Promise<ActionReturn> {
  const action = await load(module, exportName);
  // A plain copy: prototypes and brands do not cross the thread boundary anyway.
  return { ...(await action.run({ inputs, api, sessionId })) };
}
