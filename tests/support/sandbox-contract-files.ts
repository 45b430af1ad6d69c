// The file part of the Sandbox contract: writeFile/readFile round trip with the code and
// listFiles lists what either wrote, or, for a sandbox without a file system, a clear refusal.
import { expect, test } from 'vitest';
import type { Sandbox } from '../../core/index.ts';
import { InvalidArgumentError, MAX_LISTED_FILES, SandboxClosedError } from '../../core/index.ts';
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

  test('after close() listFiles rejects with SandboxClosedError', { timeout }, async () => {
    let closed: Sandbox | undefined;
    await create((sandbox) => {
      closed = sandbox;
      return Promise.resolve();
    });
    let listing: Promise<unknown> = Promise.resolve();
    expect(() => {
      listing = closed!.listFiles();
    }, 'listFiles must reject, not throw').not.toThrow();
    expect(await rejectionOf(listing)).toBeInstanceOf(SandboxClosedError);
  });

  if (!files) {
    test(
      'without a file system, writeFile, readFile and listFiles are refused with InvalidArgumentError',
      { timeout },
      async () => {
        await create(async (sandbox) => {
          const written = await rejectionOf(sandbox.writeFile({ path: 'in.txt', data: 'x' }));
          expect(written).toBeInstanceOf(InvalidArgumentError);
          expect(await rejectionOf(sandbox.readFile({ path: 'in.txt' }))).toBeInstanceOf(
            InvalidArgumentError,
          );
          expect(await rejectionOf(sandbox.listFiles())).toBeInstanceOf(InvalidArgumentError);
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

  test(
    'listFiles lists the regular files writeFile and the code wrote, with sizes, sorted; an empty directory lists none',
    { timeout },
    async () => {
      await create(async (sandbox) => {
        // A new session's working directory is empty.
        expect(await sandbox.listFiles()).toEqual({ files: [], truncated: false });

        await sandbox.writeFile({ path: 'sub/b.bin', data: Uint8Array.from([1, 2, 3]) });
        await sandbox.writeFile({ path: 'sub.txt', data: 'twelve bytes' });
        // Queued behind the code that writes the file, so it lists it.
        const [written, listing] = await Promise.all([
          sandbox.runCode({ code: files.writeText({ path: 'sub/a.txt', text: 'from the code' }) }),
          sandbox.listFiles(),
        ]);
        expect(written.error).toBeNull();
        // By code point: 'sub.txt' before 'sub/...' ('.' < '/').
        expect(listing).toEqual({
          files: [
            { path: 'sub.txt', sizeBytes: 12 },
            { path: 'sub/a.txt', sizeBytes: 13 },
            { path: 'sub/b.bin', sizeBytes: 3 },
          ],
          truncated: false,
        });
        for (const file of listing.files)
          expect((await sandbox.readFile({ path: file.path })).length).toBe(file.sizeBytes);

        // A subdirectory's paths stay relative to the working directory.
        const sub = { files: listing.files.slice(1), truncated: false };
        expect(await sandbox.listFiles({ path: 'sub' })).toEqual(sub);
        expect(await sandbox.listFiles({ path: './sub/' })).toEqual(sub);
      });
    },
  );

  test(
    'listFiles refuses a path outside the working directory, a missing directory and a file, with InvalidArgumentError',
    { timeout },
    async () => {
      await create(async (sandbox) => {
        await sandbox.writeFile({ path: 'inside/file.txt', data: 'x' });
        for (const path of [
          '..',
          'inside/../..',
          '../etc',
          '/etc',
          '/',
          'missing',
          'inside/file.txt',
        ])
          expect(await rejectionOf(sandbox.listFiles({ path })), path).toBeInstanceOf(
            InvalidArgumentError,
          );
        // The session goes on.
        expect((await sandbox.listFiles({ path: 'inside' })).files).toEqual([
          { path: 'inside/file.txt', sizeBytes: 1 },
        ]);
      });
    },
  );

  test(
    `past MAX_LISTED_FILES (${MAX_LISTED_FILES}) the listing keeps the first files by path and is flagged truncated`,
    { timeout },
    async () => {
      await create(async (sandbox) => {
        const name = (index: number): string => `many/f${String(index).padStart(4, '0')}`;
        // Queued calls run in order: no need to wait for each.
        await Promise.all(
          Array.from({ length: MAX_LISTED_FILES }, (_, index) =>
            sandbox.writeFile({ path: name(index), data: '' }),
          ),
        );
        // Sorts after every file in many/: a walk that lists a directory's files before its
        // subdirectories' would keep it and drop one of those.
        await sandbox.writeFile({ path: 'z.txt', data: 'z' });
        const listing = await sandbox.listFiles();
        expect(listing.truncated).toBe(true);
        expect(listing.files.map((file) => file.path)).toEqual(
          Array.from({ length: MAX_LISTED_FILES }, (_, index) => name(index)),
        );
        expect(await sandbox.listFiles({ path: 'many' })).toMatchObject({ truncated: false });
      });
    },
  );
}
