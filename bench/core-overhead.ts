// What the agent core adds on top of the work it wraps, measured in one run:
// 1. one agent turn (aggregate memory, call the model through OpenAIModel, parse the reply,
//    keep memory) against the same loopback model server, beside the bare `openai` client;
// 2. one tool call through ActionExecutor (routing, argument validation, ActionReturn),
//    beside calling the tool's function directly.
import OpenAI from 'openai';
import { z } from 'zod';
import {
  ActionExecutor,
  Agent,
  createAgentMessage,
  defineToolkit,
  defineToolApi,
  OpenAIModel,
  ToolParser,
} from '../core/index.ts';
import { startScriptedModelServer } from '../workers/model-replay/scripted-model-server.ts';
import { formatMs, sample, summarise } from './stats.ts';

const turns = Number(process.env['BENCH_TURNS'] ?? 500);
const toolCalls = Number(process.env['BENCH_TOOL_CALLS'] ?? 20_000);
const reply = { content: 'Compute it.\n```python\nprint(63 * -63)' };

export async function benchCoreOverhead(): Promise<void> {
  const server = await startScriptedModelServer({ fallback: () => reply });
  try {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'bench', maxRetries: 0 });
    const baseline = summarise(
      await sample({
        iterations: turns,
        operation: () =>
          client.chat.completions.create({
            model: 'scripted-model',
            messages: [
              { role: 'system', content: 'Solve with Python.' },
              { role: 'user', content: 'What is 63 * -63?' },
            ],
          }),
      }),
    );
    const agent = new Agent({
      llm: new OpenAIModel({
        model: 'scripted-model',
        baseURL: server.baseURL,
        apiKey: 'bench',
        maxRetries: 0,
      }),
      template: 'Solve with Python.',
      outputFormat: new ToolParser({
        toolType: 'code interpreter',
        begin: '```python\n',
        end: '\n```\n',
      }),
    });
    let session = 0;
    // A fresh session per turn keeps the prompt the same size as the baseline's.
    const agentTurn = summarise(
      await sample({
        iterations: turns,
        operation: () => agent.call('What is 63 * -63?', { sessionId: session++ }),
      }),
    );

    const add = ({ a, b }: { a: number; b: number }) => a + b;
    const calc = defineToolkit({
      name: 'Calc',
      apis: {
        add: defineToolApi({
          parameters: z.object({ a: z.number().int(), b: z.number().int() }),
          execute: add,
        }),
      },
    });
    const executor = new ActionExecutor({ actions: [calc] });
    const message = createAgentMessage({
      sender: 'Agent',
      content: { name: 'Calc.add', parameters: '{"a": 2, "b": 3}' },
    });
    const direct = summarise(
      await sample({
        iterations: toolCalls,
        operation: () => Promise.resolve(add({ a: 2, b: 3 })),
      }),
    );
    const executed = summarise(
      await sample({ iterations: toolCalls, operation: () => executor.call(message) }),
    );

    console.log('core overhead (one run, loopback scripted model server)');
    console.log(
      `  model turn, bare openai client : p50 ${formatMs(baseline.p50Ms)}  p99 ${formatMs(baseline.p99Ms)}  (n=${baseline.count})`,
    );
    console.log(
      `  model turn, Agent.call         : p50 ${formatMs(agentTurn.p50Ms)}  p99 ${formatMs(agentTurn.p99Ms)}  (n=${agentTurn.count})`,
    );
    console.log(
      `  ratio Agent.call / bare client : p50 ${(agentTurn.p50Ms / baseline.p50Ms).toFixed(2)}x, added ${formatMs(agentTurn.p50Ms - baseline.p50Ms)} at p50`,
    );
    console.log(
      `  tool call, direct function     : p50 ${formatMs(direct.p50Ms)}  p99 ${formatMs(direct.p99Ms)}  (n=${direct.count})`,
    );
    console.log(
      `  tool call, ActionExecutor.call : p50 ${formatMs(executed.p50Ms)}  p99 ${formatMs(executed.p99Ms)}  (n=${executed.count})`,
    );
    console.log(
      `  executor throughput            : ${(1000 / executed.meanMs).toFixed(0)} calls/s on one thread`,
    );
  } finally {
    await server.close();
  }
}
