// The seed's CodeProcessor (Lagent README "Hooks"): a user hook that sends the parsed code
// to an interpreter tool and turns the ActionReturn into text.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ActionExecutor,
  ActionStatusCode,
  AgentStatusCode,
  ToolStatusCode,
  createAgentMessage,
  defineTool,
  formatResult,
  isActionReturn,
} from '../../../../core/index.ts';
import type { AgentMessage, Hook, HookTarget, SessionId } from '../../../../core/index.ts';

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
    let response: unknown = actionReturn;
    if (isActionReturn(actionReturn)) {
      response =
        actionReturn.state === ActionStatusCode.SUCCESS
          ? formatResult(actionReturn)
          : actionReturn.errmsg;
    }
    message.content = response;
    return message;
  }
}

// A stand-in interpreter that knows the answers to two programs.
const interpreter = () =>
  defineTool({
    name: 'IPythonInteractive',
    description: 'Runs Python code',
    parameters: z.object({ command: z.string() }),
    execute: ({ command }) => {
      if (command.includes('find_numbers()')) return '3969.0';
      throw new Error(`NameError: name '${command}' is not defined`);
    },
  });

const botMessage = (action: string) =>
  createAgentMessage({
    sender: 'Agent',
    content: '首先,我们需要...',
    formatted: {
      tool_type: 'code interpreter',
      thought: '首先,我们需要...',
      action,
      status: ToolStatusCode.VALID_TOOL,
    },
  });

describe("the seed's CodeProcessor hook", () => {
  it('runs the code and answers with the formatted result', async () => {
    const executor = new ActionExecutor({ actions: [interpreter()], hooks: [new CodeProcessor()] });

    const executorMessage = await executor.call(
      botMessage(
        'def find_numbers():\n    return 63 * 63\n\nresult = find_numbers()\nprint(result)',
      ),
    );

    expect(executorMessage).toEqual({
      content: '3969.0',
      sender: 'ActionExecutor',
      formatted: null,
      extraInfo: null,
      type: null,
      receiver: null,
      streamState: AgentStatusCode.END,
    });
  });

  it('answers a failing run with the errmsg', async () => {
    const executor = new ActionExecutor({ actions: [interpreter()], hooks: [new CodeProcessor()] });

    const executorMessage = await executor.call(botMessage('x'));

    expect(executorMessage.content).toBe("NameError: name 'x' is not defined");
  });

  it('answers bad arguments with the errmsg', async () => {
    const executor = new ActionExecutor({
      actions: [
        defineTool({
          name: 'IPythonInteractive',
          parameters: z.object({ command: z.string(), timeout: z.number() }),
          execute: () => 'never',
        }),
      ],
      hooks: [new CodeProcessor()],
    });

    const executorMessage = await executor.call(botMessage('print(1)'));

    expect(executorMessage.content).toBe("missing required arguments: {'timeout'}");
  });
});
