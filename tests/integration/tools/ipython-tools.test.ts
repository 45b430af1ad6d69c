// The IPython tools on the Docker sandbox, under runc and gVisor: the seed's "Consistency of
// Tool Calling" example, sessions kept apart, errors and timeouts for the model, and a fresh
// kernel per IPythonInterpreter call with its figure.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type {
  ActionReturn,
  AgentMessage,
  Hook,
  HookTarget,
  SessionId,
} from '../../../core/index.ts';
import {
  ActionExecutor,
  ActionStatusCode,
  createAgentMessage,
  formatResult,
  isActionReturn,
} from '../../../core/index.ts';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import {
  createIPythonInterpreter,
  IPythonInteractive,
  SESSION_CLOSED_MESSAGE,
} from '../../../tools/index.ts';
import { SEED_TOOL_PARSER } from '../../../workers/model-replay/seed-recordings.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';

/** The seed's CodeProcessor hook, as a Lagent user would port it. */
class CodeProcessor implements Hook {
  beforeAction(_executor: HookTarget, message: AgentMessage, _sessionId: SessionId): AgentMessage {
    const copy = structuredClone(message);
    copy.content = {
      name: 'IPythonInteractive',
      parameters: { command: (message.formatted as { action: string }).action },
    };
    return copy;
  }

  afterAction(_executor: HookTarget, message: AgentMessage, _sessionId: SessionId): AgentMessage {
    const actionReturn = message.content;
    if (isActionReturn(actionReturn)) {
      message.content =
        actionReturn.state === ActionStatusCode.SUCCESS
          ? formatResult(actionReturn)
          : actionReturn.errmsg;
    }
    return message;
  }
}

describe.each(RUNTIMES)('IPython tools (%s)', (runtime) => {
  let provider: DockerSandboxProvider;
  beforeAll(async () => {
    provider = await startTestProvider({ runtime, poolSize: 2 });
  });
  afterAll(async () => {
    await provider?.close();
  });

  test("the seed's CodeProcessor + IPythonInteractive example answers '3969.0'", async () => {
    const interactive = new IPythonInteractive({ sandboxes: provider });
    const executor = new ActionExecutor({ actions: [interactive], hooks: [new CodeProcessor()] });
    try {
      const botMessage = createAgentMessage({
        sender: 'Agent',
        content: SEED_TOOL_PARSER.reply,
        formatted: SEED_TOOL_PARSER.formatted,
      });
      const executorMessage = await executor.call(botMessage);
      expect(executorMessage).toMatchObject({
        content: SEED_TOOL_PARSER.executorContent,
        sender: 'ActionExecutor',
      });
    } finally {
      await executor.dispose();
    }
  });

  test('IPythonInteractive keeps state per session id, and sessions are apart', async () => {
    const interactive = new IPythonInteractive({ sandboxes: provider });
    try {
      await interactive.run({ inputs: { command: 'secret = 7' }, sessionId: 1 });
      const same = await interactive.run({ inputs: { command: 'secret * 6' }, sessionId: 1 });
      const other = await interactive.run({ inputs: { command: 'secret' }, sessionId: 2 });
      expect(same.result).toEqual([{ type: 'text', content: '42' }]);
      expect(other.state).toBe(ActionStatusCode.API_ERROR);
      expect(other.errmsg).toContain("NameError: name 'secret' is not defined");
      await interactive.closeSession(1);
      const reopened = await interactive.run({
        inputs: { command: '"secret" in globals()' },
        sessionId: 1,
      });
      expect(reopened.result?.[0]?.content).toBe('False');
    } finally {
      await interactive.dispose();
    }
  });

  test('a timeout reaches the model as an errmsg and the session goes on', async () => {
    const interactive = new IPythonInteractive({ sandboxes: provider });
    try {
      const slow: ActionReturn = await interactive.run({
        inputs: { command: 'import time\ntime.sleep(30)', timeout: 1 },
      });
      expect(slow.state).toBe(ActionStatusCode.API_ERROR);
      expect(slow.errmsg).toMatch(
        /^The code interpreter encountered a timeout error\. The execution exceeded 1000 ms/,
      );
      expect((await interactive.run({ inputs: { command: '1 + 1' } })).result?.[0]?.content).toBe(
        '2',
      );
    } finally {
      await interactive.dispose();
    }
  });

  test('IPythonInterpreter starts fresh on every call and returns figures', async () => {
    const interpreter = createIPythonInterpreter({ sandboxes: provider });
    await interpreter.run({ inputs: { command: 'leftover = 1' } });
    const fresh = await interpreter.run({ inputs: { command: '"leftover" in globals()' } });
    expect(fresh.result?.[0]?.content).toBe('False');
    const plotted = await interpreter.run({
      inputs: {
        command:
          '```python\nimport matplotlib.pyplot as plt\nplt.bar(["a", "b"], [3, 5])\nplt.show()\n```',
      },
    });
    const image = plotted.result?.find((item) => item.type === 'image');
    const bytes = await readFile(image?.content ?? '');
    expect(bytes.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(provider.list()).toEqual([]);
  });
});

test('a session reclaimed for idleness is announced once, then starts afresh', async () => {
  const provider = await startTestProvider({ idleTimeoutMs: 1_000 });
  const interactive = new IPythonInteractive({ sandboxes: provider });
  try {
    await interactive.run({ inputs: { command: 'kept = 1' }, sessionId: 'idle' });
    await expect.poll(() => provider.list().length, { timeout: 10_000 }).toBe(0);
    const notice = await interactive.run({ inputs: { command: 'kept' }, sessionId: 'idle' });
    expect(notice.errmsg).toBe(SESSION_CLOSED_MESSAGE);
    const fresh = await interactive.run({
      inputs: { command: '"kept" in globals()' },
      sessionId: 'idle',
    });
    expect(fresh.result?.[0]?.content).toBe('False');
  } finally {
    await interactive.dispose();
    await provider.close();
  }
});

test('output streams to the tool context while the code runs', async () => {
  const provider = await startTestProvider();
  const interactive = new IPythonInteractive({ sandboxes: provider });
  try {
    const events: string[] = [];
    const result = await interactive.run({
      inputs: {
        command:
          'import sys\nprint("out", flush=True)\nprint("err", file=sys.stderr, flush=True)\n7',
      },
      emit: (event) =>
        events.push(
          event.type === 'result'
            ? `result:${String(event.result['text'])}`
            : `${event.type}:${event.text.trim()}`,
        ),
    });
    expect(events).toEqual(['stdout:out', 'stderr:err', 'result:7']);
    expect(result.result?.[0]?.content).toBe('out\n7');
  } finally {
    await interactive.dispose();
    await provider.close();
  }
});
