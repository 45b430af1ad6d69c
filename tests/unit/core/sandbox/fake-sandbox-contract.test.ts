// The in-memory fake keeps the Sandbox contract, so unit tests of tools and workers that use
// it see what a real sandbox would do.
import { FAKE_SCRIPT_LANGUAGE, FakeSandboxProvider } from '../../../fakes/fake-sandbox.ts';
import { describeSandboxContract } from '../../../support/sandbox-contract.ts';

const MAX_OUTPUT_BYTES = 4_000;
const provider = new FakeSandboxProvider({ maxOutputBytes: MAX_OUTPUT_BYTES });

describeSandboxContract({
  name: 'fake sandbox',
  create: () => provider.create(),
  language: FAKE_SCRIPT_LANGUAGE,
  maxOutputBytes: MAX_OUTPUT_BYTES,
  streamsOutput: true,
  testTimeoutMs: 10_000,
});
