// The host's side of a kernel death the driver reports around the next call, with a scripted
// driver on a fake attach stream: which call hears of it, and whether its code ran.
import { Duplex } from 'node:stream';
import type Dockerode from 'dockerode';
import { describe, expect, test } from 'vitest';
import { parseJson } from '../../../core/index.ts';
import type { ContainerHandle } from '../../../sandboxes/docker/container-launcher.ts';
import { DockerSandbox } from '../../../sandboxes/docker/docker-sandbox.ts';
import { resolveDockerSandboxOptions } from '../../../sandboxes/docker/docker-sandbox-options.ts';
import { DriverConnection } from '../../../sandboxes/docker/driver-connection.ts';

type Command = { op: string; id?: number; deaths?: number };

const muxed = (frame: object): Buffer => {
  const payload = Buffer.from(`${JSON.stringify(frame)}\n`, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

/** A sandbox whose driver is `script`: it gets each command and answers with frames. */
function scriptedSandbox(script: (command: Command, say: (frame: object) => void) => void) {
  const commands: Command[] = [];
  const stream: Duplex = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const command = parseJson(line) as Command;
        commands.push(command);
        queueMicrotask(() => script(command, (frame) => stream.emit('data', muxed(frame))));
      }
      done();
    },
  });
  const handle: ContainerHandle = {
    name: 'fake',
    container: { remove: () => Promise.resolve() } as unknown as Dockerode.Container,
    startedAt: Date.now(),
    alive: true,
    listener: () => undefined,
    connection: new DriverConnection({
      stream,
      maxFrameBytes: 1_000_000,
      onFrame: (frame) => handle.listener({ type: 'frame', frame }),
      onViolation: (reason) => handle.listener({ type: 'violation', reason }),
      onClose: () => handle.listener({ type: 'close' }),
    }),
  };
  const sandbox = new DockerSandbox({
    handle,
    engine: {
      options: resolveDockerSandboxOptions({}, 'image:tag'),
      acquireContainer: () => Promise.reject(new Error('no other container in this test')),
      wasOutOfMemory: () => Promise.resolve(false),
      released: () => undefined,
    },
  });
  return { sandbox, commands };
}

const end = (id: number | undefined, count: number) => ({
  t: 'end',
  id,
  count,
  status: 'ok',
  dropped: 0,
});

describe('DockerSandbox and kernel deaths around a call', () => {
  test('a death the driver reports just before it refuses this call: "not run", and said once', async () => {
    const { sandbox, commands } = scriptedSandbox((command, say) => {
      if (command.op !== 'execute') return;
      if (command.id === 1) {
        say(end(command.id, 1));
        return;
      }
      // The kernel died after call 1's end was out, before the driver began call 2, which
      // was sent before the host heard of it: the driver says so, then refuses call 2.
      if (command.id === 2) {
        say({ t: 'died', id: null, code: 0, signal: null });
        say({ t: 'ready', id: null, reason: 'died' });
        say({ t: 'died', id: command.id, code: 0, signal: null });
        say({ t: 'ready', id: null, reason: 'died' });
        return;
      }
      say({ t: 'stream', id: command.id, name: 'stdout', text: 'ran\n' });
      say(end(command.id, 1));
    });
    try {
      expect((await sandbox.runCode({ code: 'arm' })).error).toBeNull();
      const refused = await sandbox.runCode({ code: 'print("ran")' });
      expect(refused.logs.stdout).toEqual([]);
      expect(refused.error).toEqual({
        name: 'KernelDied',
        value:
          'The kernel died while idle (exit code 0) after the previous call; its state is lost. This code was not run; a fresh kernel is ready.',
        traceback: '',
      });
      expect(sandbox.stateLost).toBeUndefined();
      const after = await sandbox.runCode({ code: 'print("ran")' });
      expect(after.error).toBeNull();
      expect(after.logs.stdout).toEqual(['ran\n']);
      // Each execute says how many deaths the host had heard of when it was sent.
      expect(commands.filter((c) => c.op === 'execute').map((c) => c.deaths)).toEqual([0, 0, 2]);
    } finally {
      await sandbox.close();
    }
  });

  test("a death the driver reports on the call whose end it held back is that call's error", async () => {
    const { sandbox } = scriptedSandbox((command, say) => {
      if (command.op !== 'execute') return;
      if (command.id === 1) {
        say({ t: 'stream', id: 1, name: 'stdout', text: 'partial\n' });
        say({ t: 'died', id: 1, code: 0, signal: null });
        say({ t: 'ready', id: null, reason: 'died' });
        return;
      }
      say(end(command.id, 1));
    });
    try {
      const died = await sandbox.runCode({ code: 'x' });
      expect(died.logs.stdout).toEqual(['partial\n']);
      expect(died.error?.value).toBe(
        'The kernel died (exit code 0); its state is lost and a fresh kernel is ready.',
      );
      expect((await sandbox.runCode({ code: 'y' })).error).toBeNull();
    } finally {
      await sandbox.close();
    }
  });

  test('a death is answered once the fresh kernel has said it is ready, as the answer claims', async () => {
    const order: string[] = [];
    const { sandbox } = scriptedSandbox((command, say) => {
      if (command.op !== 'execute') return;
      if (command.id === 1) {
        say({ t: 'died', id: 1, code: 3, signal: null });
        // The fresh kernel takes a while to answer (seconds under gVisor).
        setTimeout(() => {
          order.push('ready');
          say({ t: 'ready', id: null, reason: 'died' });
        }, 50);
        return;
      }
      say(end(command.id, 1));
    });
    try {
      const died = await sandbox.runCode({ code: 'import os; os._exit(3)' });
      order.push('answered');
      expect(died.error?.value).toBe(
        'The kernel died (exit code 3); its state is lost and a fresh kernel is ready.',
      );
      expect(order).toEqual(['ready', 'answered']);
    } finally {
      await sandbox.close();
    }
  });
});
