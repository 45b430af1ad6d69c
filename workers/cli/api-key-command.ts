import type { Command } from 'commander';
import { InvalidArgumentError } from '../../core/index.ts';
import { generateApiKey, hashApiKey, TENANT_ID_PATTERN } from '../service/tenants.ts';

/**
 * `lagent api-key --tenant acme`: a new random key, shown once, and the entry to put in the
 * service's tenants file (it holds only the key's hash).
 */
export function registerApiKeyCommand(program: Command): void {
  program
    .command('api-key')
    .description('Make an API key for a tenant of `lagent serve` (the key is printed once)')
    .requiredOption('--tenant <id>', 'the tenant it belongs to (letters, digits, _ -)')
    .action((options: { tenant: string }) => {
      if (!TENANT_ID_PATTERN.test(options.tenant)) {
        throw new InvalidArgumentError({
          message: `Tenant id ${JSON.stringify(options.tenant)}: use 1 to 32 letters, digits, _ -`,
        });
      }
      const key = generateApiKey();
      const entry = { id: options.tenant, keys: [hashApiKey(key)] };
      process.stdout.write(
        `API key (shown only now): ${key}\n` +
          `Tenants file entry (add it under "tenants"; quotas are optional):\n` +
          `${JSON.stringify(entry, null, 2)}\n`,
      );
    });
}
