import { StateDictMismatchError } from '../errors/agent-errors.ts';
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import { DEFAULT_SESSION_ID } from '../memory/memory-manager.ts';
import type { MemoryManager } from '../memory/memory-manager.ts';
import { Memory } from '../memory/memory.ts';
import type { AgentMessage } from '../schema/agent-message.ts';

/** What the tree functions need of an agent (keeps this file free of the Agent class). */
export interface AgentNode {
  readonly name: string;
  readonly memory: MemoryManager | null;
  namedChildren(): [string, AgentNode][];
}

/** Dotted key ('memory', 'agent.memory', 'lst.0.memory') → that memory's messages. */
export type StateDict = Record<string, AgentMessage[]>;

export interface LoadStateDictResult {
  /** Keys of the given state dict that no memory in this tree uses. */
  unusedKeys: string[];
}

export interface ResetOptions {
  /** @default 0 */
  sessionId?: SessionId;
  /** Reset only the sub-agent at this dotted path, e.g. 'agent' or 'lst.0'. */
  keypath?: string;
  /** Reset every agent in the tree. */
  recursive?: boolean;
}

/** Pre-order walk: each agent with its key prefix ('' for the root, 'agent.' for a child). */
function* walk(root: AgentNode): Generator<[string, AgentNode]> {
  const stack: [string, AgentNode][] = [['', root]];
  while (stack.length > 0) {
    const [prefix, node] = stack.pop() as [string, AgentNode];
    yield [prefix, node];
    const children = node.namedChildren();
    for (let index = children.length - 1; index >= 0; index -= 1) {
      const [name, child] = children[index] as [string, AgentNode];
      stack.push([`${prefix}${name}.`, child]);
    }
  }
}

export function stateDict(root: AgentNode, sessionId: SessionId): StateDict {
  const state: StateDict = {};
  for (const [prefix, node] of walk(root)) {
    if (node.memory) state[`${prefix}memory`] = node.memory.get(sessionId)?.save() ?? [];
  }
  return state;
}

export function loadStateDict(
  root: AgentNode,
  state: Readonly<Record<string, unknown>>,
  sessionId: SessionId,
): LoadStateDictResult {
  const targets = new Map<string, MemoryManager>();
  for (const [prefix, node] of walk(root)) {
    if (node.memory) targets.set(`${prefix}memory`, node.memory);
  }
  const missingKeys = [...targets.keys()].filter((key) => !Object.hasOwn(state, key));
  if (missingKeys.length > 0) throw new StateDictMismatchError({ missingKeys });
  // Validate every entry before changing anything, so a bad one leaves memory as it was.
  const validated = [...targets].map(([key, memory]) => {
    const scratch = new Memory();
    scratch.load(state[key] ?? [], { overwrite: true, subject: `state_dict["${key}"]` });
    return [memory, scratch.save()] as const;
  });
  for (const [memory, messages] of validated) memory.createInstance(sessionId).load(messages);
  return { unusedKeys: Object.keys(state).filter((key) => !targets.has(key)) };
}

export function findChild(root: AgentNode, keypath: string): AgentNode {
  let node = root;
  for (const part of keypath.split('.')) {
    const child = node.namedChildren().find(([name]) => name === part)?.[1];
    if (!child)
      throw new InvalidArgumentError({
        message: `No sub-agent at "${keypath}" (stopped at "${part}")`,
      });
    node = child;
  }
  return node;
}

export function resetTree(
  root: AgentNode,
  { sessionId = DEFAULT_SESSION_ID, keypath, recursive = false }: ResetOptions,
): void {
  if (keypath !== undefined && recursive) {
    throw new InvalidArgumentError({ message: 'reset takes keypath or recursive, not both' });
  }
  if (keypath !== undefined) {
    findChild(root, keypath).memory?.reset(sessionId);
  } else if (recursive) {
    for (const [, node] of walk(root)) node.memory?.reset(sessionId);
  } else {
    root.memory?.reset(sessionId);
  }
}

export function describeTree(root: AgentNode, indent = ''): string {
  const head = `${root.constructor.name}(name='${root.name}')`;
  const children = root.namedChildren();
  if (children.length === 0) return head;
  const lines = children.map(
    ([name, child]) => `${indent}  (${name}): ${describeTree(child, `${indent}  `)}`,
  );
  return `${head}(\n${lines.join('\n')}\n${indent})`;
}
