import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InvalidArgumentError, parseJson } from '../../core/index.ts';

// Who may call the service. Each API key belongs to a tenant; the service keeps only the
// keys' SHA-256 digests (keys are random and long, so a fast hash is enough: there is no
// password to guess), compares them in constant time, and never logs them.

/** What one tenant may use at a time. */
export interface TenantQuotas {
  /** Jobs submitted and not yet ended. */
  maxConcurrentJobs: number;
  /** Sandbox sessions open at once. */
  maxSessions: number;
  /** Requests to `/v1` per minute (a bucket refilled evenly over the minute). */
  requestsPerMinute: number;
  /** Longest `timeoutMs` a job may ask for; also the default when it asks for none. */
  maxRunTimeMs: number;
  /** Largest file uploaded to a session. */
  maxUploadBytes: number;
}

export const DEFAULT_TENANT_QUOTAS: Readonly<TenantQuotas> = Object.freeze({
  maxConcurrentJobs: 20,
  maxSessions: 10,
  requestsPerMinute: 600,
  maxRunTimeMs: 120_000,
  maxUploadBytes: 8 * 1024 * 1024,
});

/** Letters, digits, `_`, `-`; it prefixes the tenant's job and session ids inside the queue. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

const KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

const TenantConfigSchema = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, 'use 1 to 32 letters, digits, _ -'),
  /** `sha256:<hex>` of each key (see hashApiKey and `lagent api-key`). */
  keys: z
    .array(z.string().regex(KEY_HASH_PATTERN, 'a key is stored as sha256:<64 hex digits>'))
    .min(1),
  quotas: z
    .object({
      maxConcurrentJobs: z.number().int().positive(),
      maxSessions: z.number().int().nonnegative(),
      requestsPerMinute: z.number().int().positive(),
      maxRunTimeMs: z.number().int().positive(),
      maxUploadBytes: z.number().int().positive(),
    })
    .partial()
    .strict()
    .optional(),
});

export const TenantsConfigSchema = z
  .object({ tenants: z.array(TenantConfigSchema).min(1) })
  .strict()
  .superRefine(({ tenants }, context) => {
    const ids = new Set<string>();
    const keys = new Set<string>();
    for (const tenant of tenants) {
      if (ids.has(tenant.id))
        context.addIssue({ code: 'custom', message: `tenant ${tenant.id} twice` });
      ids.add(tenant.id);
      for (const key of tenant.keys) {
        if (keys.has(key)) context.addIssue({ code: 'custom', message: 'one key in two places' });
        keys.add(key);
      }
    }
  });
export type TenantsConfig = z.input<typeof TenantsConfigSchema>;

/** A tenant as the service sees it: its id and its quotas, all set. */
export interface Tenant {
  readonly id: string;
  readonly quotas: Readonly<TenantQuotas>;
}

/** How the service stores a key: `sha256:<hex>` of its UTF-8 bytes. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** A new random key (32 bytes, base64url) with the `lgt_` prefix secret scanners can find. */
export function generateApiKey(): string {
  return `lgt_${randomBytes(32).toString('base64url')}`;
}

/** Reads tenants from JSON text (a file's or an env var's), with every mistake named. */
export function parseTenantsConfig({
  text,
  source,
}: {
  text: string;
  source: string;
}): TenantsConfig {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new InvalidArgumentError({ message: `${source} is not JSON`, cause: error });
  }
  const parsed = TenantsConfigSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidArgumentError({ message: `${source}: ${issues.join('; ')}` });
  }
  return parsed.data;
}

/** Env var holding the tenants' JSON when no file is given. */
export const API_KEYS_ENV = 'LAGENT_API_KEYS';

/** Tenants from `file`, else from LAGENT_API_KEYS; undefined when neither is set. */
export async function loadTenantsConfig({
  file,
  env = process.env,
}: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<TenantsConfig | undefined> {
  if (file !== undefined) {
    return parseTenantsConfig({ text: await readFile(file, 'utf8'), source: file });
  }
  const text = env[API_KEYS_ENV];
  if (text === undefined || text.trim() === '') return undefined;
  return parseTenantsConfig({ text, source: API_KEYS_ENV });
}

/** Finds the tenant of a presented key. */
export class ApiKeys {
  readonly #entries: { digest: Buffer; tenant: Tenant }[] = [];
  readonly tenants: readonly Tenant[];

  constructor({ config }: { config: TenantsConfig }) {
    const parsed = TenantsConfigSchema.parse(config);
    this.tenants = parsed.tenants.map((entry) =>
      Object.freeze({
        id: entry.id,
        quotas: Object.freeze({
          ...DEFAULT_TENANT_QUOTAS,
          ...Object.fromEntries(
            Object.entries(entry.quotas ?? {}).filter(([, value]) => value !== undefined),
          ),
        }),
      }),
    );
    parsed.tenants.forEach((entry, index) => {
      for (const key of entry.keys) {
        this.#entries.push({
          digest: Buffer.from(key.slice('sha256:'.length), 'hex'),
          tenant: this.tenants[index] as Tenant,
        });
      }
    });
  }

  /**
   * The tenant whose key this is, or undefined. Every stored digest is compared, in constant
   * time, whichever matches: how long this takes says nothing about the keys.
   */
  authenticate(key: string): Tenant | undefined {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: Tenant | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.tenant;
    }
    return found;
  }
}
