// The Sandbox contract (docs/sandboxes.md) against the real backends: the Docker sandbox under
// runc and gVisor, and the JavaScript sandbox. The fake runs the same suite in tests/unit.
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import type { DockerSandboxProvider } from '../../../sandboxes/docker/index.ts';
import { JsSandboxProvider } from '../../../sandboxes/index.ts';
import { RUNTIMES, startTestProvider } from '../../support/docker-sandbox-fixture.ts';
import { describeSandboxContract } from '../../support/sandbox-contract.ts';
import type { ContractLanguage } from '../../support/sandbox-contract-options.ts';

const MAX_OUTPUT_BYTES = 20_000;
/** JS limits far above any test's deadline: the contract's own deadlines and aborts must stop the code. */
const JS_LIMIT_MS = 300_000;

const text = (value: string): string => JSON.stringify(value);

const PYTHON: ContractLanguage = {
  setVar: ({ name, value }) => `${name} = ${text(value)}`,
  printVar: (name) => `print(${name})`,
  print: (value) => `print(${text(value)})`,
  spin: (marker) =>
    `import time\nprint(${text(marker)}, flush=True)\nwhile True:\n    time.sleep(0.05)`,
  raise: (message) => `raise ValueError(${text(message)})`,
  raisedName: 'ValueError',
  printEnv: (name) => `import os\nprint(os.environ.get(${text(name)}, "<unset>"))`,
  flood: (bytes) => `for _ in range(${Math.ceil(bytes / 100)}):\n    print("x" * 99)`,
  loseState: 'import os\nos._exit(1)',
  files: {
    printFile: (path) => `with open(${text(path)}) as f:\n    print(f.read(), end="")`,
    writeText: ({ path, text: content }) =>
      `with open(${text(path)}, "w") as f:\n    f.write(${text(content)})`,
  },
};

const JAVASCRIPT: ContractLanguage = {
  setVar: ({ name, value }) => `var ${name} = ${text(value)}`,
  printVar: (name) => `console.log(${name})`,
  print: (value) => `console.log(${text(value)})`,
  spin: (marker) => `console.log(${text(marker)}); for (;;) {}`,
  raise: (message) => `throw new TypeError(${text(message)})`,
  raisedName: 'TypeError',
  printEnv: (name) => `console.log(env[${text(name)}] ?? "<unset>")`,
  flood: (bytes) =>
    `for (let i = 0; i < ${Math.ceil(bytes / 100)}; i++) console.log("x".repeat(99))`,
  loseState: '{ const keep = []; for (;;) keep.push(new Array(1e6).fill(1)) }',
};

for (const runtime of RUNTIMES) {
  describe(`Docker sandbox (${runtime})`, () => {
    let provider: DockerSandboxProvider | undefined;
    beforeAll(async () => {
      provider = await startTestProvider({
        runtime,
        poolSize: 2,
        maxOutputBytes: MAX_OUTPUT_BYTES,
      });
    });
    afterAll(async () => {
      await provider?.close();
    });
    describeSandboxContract({
      name: `Docker (${runtime})`,
      create: async () => {
        if (!provider) throw new Error('the Docker provider did not start');
        return await provider.create();
      },
      language: PYTHON,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      streamsOutput: true,
    });
  });
}

describe('JavaScript sandbox', () => {
  // A provider per test: its isolates share threads, so code a failing test left spinning
  // would hold up the next tests; closing the provider ends its child process.
  let provider: JsSandboxProvider | undefined;
  beforeEach(async () => {
    provider = await JsSandboxProvider.start({
      threads: 2,
      limits: {
        cpuTimeLimitMs: JS_LIMIT_MS,
        wallTimeLimitMs: JS_LIMIT_MS,
        memoryLimitMb: 32,
        maxOutputChars: MAX_OUTPUT_BYTES,
      },
    });
  });
  afterEach(async () => {
    await provider?.close();
  });
  describeSandboxContract({
    name: 'JavaScript',
    create: async () => {
      if (!provider) throw new Error('the JS provider did not start');
      return await provider.create();
    },
    language: JAVASCRIPT,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    // isolated-vm collects console output in the isolate; it arrives with the result.
    streamsOutput: false,
    // No container to start: a minute is generous.
    testTimeoutMs: 60_000,
  });
});
