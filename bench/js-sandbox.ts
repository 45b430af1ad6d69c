// The JavaScript sandbox, measured in one run against its baselines:
// - a trivial script through the pool (isolated-vm isolates on piscina threads in the child
//   process), in sessions (state kept: a code interpreter's cell) and fresh (a new context
//   per call), serially for latency and with many calls in flight for throughput;
// - node:vm in this process (one context reused; a new context per call): no isolation
//   from this process's event loop, heap or crashes;
// - a fresh `node -e` child process per call: the isolation you get without a pool.
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { createContext, runInContext, runInNewContext } from 'node:vm';
import { JsSandboxProvider } from '../sandboxes/index.ts';
import type { JsSandbox } from '../sandboxes/index.ts';
import { formatMs, sample, summarise } from './stats.ts';

const code = '1 + 1';
const serialCalls = Number(process.env['BENCH_JS_SERIAL'] ?? 2_000);
const throughputCalls = Number(process.env['BENCH_JS_CALLS'] ?? 40_000);
const childCalls = Number(process.env['BENCH_JS_CHILD_CALLS'] ?? 40);
const runFile = promisify(execFile);

async function throughput({
  calls,
  lanes,
  operation,
}: {
  calls: number;
  lanes: number;
  operation: (lane: number) => Promise<unknown>;
}): Promise<number> {
  const perLane = Math.ceil(calls / lanes);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let index = 0; index < perLane; index += 1) await operation(lane);
    }),
  );
  return (perLane * lanes) / ((performance.now() - start) / 1000);
}

const row = (name: string, p50Ms: number, perSecond: number | undefined): string =>
  `  ${name.padEnd(44)} p50 ${formatMs(p50Ms).padStart(11)}   ${
    perSecond === undefined
      ? ''
      : `${Math.round(perSecond).toLocaleString('en').padStart(7)} exec/s`
  }`;

export async function benchJsSandbox(): Promise<void> {
  const threads = availableParallelism();
  console.log(`\nJavaScript sandbox (trivial script "${code}", ${String(threads)} threads)`);

  // Baselines in this process.
  const context = createContext({});
  const vmReused = summarise(
    await sample({
      iterations: serialCalls,
      operation: () => Promise.resolve(runInContext(code, context)),
    }),
  );
  const vmReusedRate = await throughput({
    calls: throughputCalls,
    lanes: 1,
    operation: () => Promise.resolve(runInContext(code, context)),
  });
  const vmNew = summarise(
    await sample({
      iterations: serialCalls / 4,
      operation: () => Promise.resolve(runInNewContext(code, {})),
    }),
  );
  const vmNewRate = await throughput({
    calls: throughputCalls / 10,
    lanes: 1,
    operation: () => Promise.resolve(runInNewContext(code, {})),
  });
  const child = summarise(
    await sample({
      iterations: childCalls,
      warmup: 2,
      operation: () => runFile(process.execPath, ['-e', `process.stdout.write(String(${code}))`]),
    }),
  );
  const childRate = await throughput({
    calls: childCalls,
    lanes: threads,
    operation: () => runFile(process.execPath, ['-e', `process.stdout.write(String(${code}))`]),
  });

  const provider = await JsSandboxProvider.start({ threads });
  let sessions: JsSandbox[] = [];
  try {
    sessions = await Promise.all(Array.from({ length: 4 * threads }, () => provider.create()));
    const first = sessions[0] as JsSandbox;
    const sessionSerial = summarise(
      await sample({ iterations: serialCalls, operation: () => first.runCode({ code }) }),
    );
    const sessionRate = await throughput({
      calls: throughputCalls,
      lanes: sessions.length,
      operation: (lane) => (sessions[lane] as JsSandbox).runCode({ code }),
    });
    const freshSerial = summarise(
      await sample({ iterations: serialCalls / 4, operation: () => provider.run({ code }) }),
    );
    const freshRate = await throughput({
      calls: throughputCalls / 10,
      lanes: 4 * threads,
      operation: () => provider.run({ code }),
    });

    console.log(row('node:vm, one context reused (in-process)', vmReused.p50Ms, vmReusedRate));
    console.log(row('node:vm, new context per call (in-process)', vmNew.p50Ms, vmNewRate));
    console.log(row('node -e, a child process per call', child.p50Ms, childRate));
    console.log(
      row(
        `pool, session (${String(sessions.length)} sessions in flight)`,
        sessionSerial.p50Ms,
        sessionRate,
      ),
    );
    console.log(
      row(
        `pool, fresh context per call (${String(4 * threads)} in flight)`,
        freshSerial.p50Ms,
        freshRate,
      ),
    );
    console.log(
      `  pool sessions vs node -e: ${(sessionRate / childRate).toFixed(0)}x the executions per second, ` +
        `${(child.p50Ms / sessionSerial.p50Ms).toFixed(0)}x lower p50`,
    );
    console.log(
      `  pool fresh vs node:vm new context: ${(freshRate / vmNewRate).toFixed(2)}x the executions per second; ` +
        `pool sessions vs node:vm reused: ${(sessionRate / vmReusedRate).toFixed(3)}x`,
    );
    console.log(
      `  target >= 5,000 exec/s: sessions ${sessionRate >= 5_000 ? 'met' : 'MISSED'} (${Math.round(sessionRate).toLocaleString('en')}), ` +
        `fresh ${freshRate >= 5_000 ? 'met' : 'missed'} (${Math.round(freshRate).toLocaleString('en')})`,
    );
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
    await provider.close();
  }
}
