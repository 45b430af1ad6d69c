// The file part of the Sandbox contract: writeFile/readFile round trip with the code, or,
// for a sandbox without a file system, a clear refusal.
import { expect, test } from 'vitest';
import type { Sandbox } from '../../core/index.ts';
import { InvalidArgumentError } from '../../core/index.ts';
import type { ContractLanguage } from './sandbox-contract-options.ts';
import { rejectionOf, stdoutOf } from './sandbox-contract-options.ts';

export function describeSandboxFileContract({
  create,
  language,
  timeout,
}: {
  /** Runs the body on a new session and closes it. */
  create: (body: (sandbox: Sandbox) => Promise<void>) => Promise<void>;
  language: ContractLanguage;
  timeout: number;
}): void {
  const { files } = language;
  if (!files) {
    test(
      'without a file system, writeFile and readFile are refused with InvalidArgumentError',
      { timeout },
      async () => {
        await create(async (sandbox) => {
          const written = await rejectionOf(sandbox.writeFile({ path: 'in.txt', data: 'x' }));
          expect(written).toBeInstanceOf(InvalidArgumentError);
          expect(await rejectionOf(sandbox.readFile({ path: 'in.txt' }))).toBeInstanceOf(
            InvalidArgumentError,
          );
        });
      },
    );
    return;
  }

  test(
    'writeFile and readFile round-trip with the code, text and bytes; a missing file is InvalidArgumentError',
    { timeout },
    async () => {
      await create(async (sandbox) => {
        await sandbox.writeFile({ path: 'contract-in.txt', data: 'from the host\n' });
        const read = await sandbox.runCode({ code: files.printFile('contract-in.txt') });
        expect(read.error).toBeNull();
        expect(stdoutOf(read)).toBe('from the host\n');

        const written = await sandbox.runCode({
          code: files.writeText({ path: 'contract-out.txt', text: 'from the code' }),
        });
        expect(written.error).toBeNull();
        const out = await sandbox.readFile({ path: 'contract-out.txt' });
        expect(Buffer.from(out).toString('utf8')).toBe('from the code');

        const bytes = Uint8Array.from([0, 1, 2, 127, 128, 253, 254, 255]);
        await sandbox.writeFile({ path: 'contract.bin', data: bytes });
        expect(await sandbox.readFile({ path: 'contract.bin' })).toEqual(bytes);

        const missing = await rejectionOf(sandbox.readFile({ path: 'contract-missing.txt' }));
        expect(missing).toBeInstanceOf(InvalidArgumentError);
      });
    },
  );
}
