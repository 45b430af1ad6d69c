import type { z } from 'zod';
import type { HttpRequestOptions } from './http-request.ts';
import { httpRequest, parseJsonBody } from './http-request.ts';
import { WebToolError } from './web-tool-error.ts';

/** One result of a web search, as the provider gave it. */
export interface SearchHit {
  url: string;
  title: string;
  snippet: string;
}

export interface ProviderSearchOptions {
  query: string;
  /** How many results to ask for (providers may give fewer). */
  count: number;
  signal?: AbortSignal | undefined;
}

/**
 * A search backend: DuckDuckGo, SearXNG, Brave, Bing, Tavily, Serper, or your own. It makes
 * one attempt and throws a WebToolError on failure; retries, filtering and caching are the
 * `WebSearcher`'s.
 */
export interface SearchProvider {
  /** Shown in error messages, e.g. `'Brave'`. */
  readonly name: string;
  search(options: ProviderSearchOptions): Promise<SearchHit[]>;
}

/** Environment variables read for a provider's key or URL when the option is not given. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Options every built-in provider takes. */
export interface ProviderBaseOptions {
  /** The provider's endpoint; tests point it at a local server. */
  baseUrl?: string;
  /** Per request, redirects and body included. @default DEFAULT_WEB_TIMEOUT_MS */
  timeoutMs?: number;
  /** Where keys are looked up when not passed. @default process.env */
  env?: Environment;
}

/** `apiKey`, else the environment variable; MISSING_API_KEY when neither is set. */
export function resolveApiKey({
  apiKey,
  env = process.env,
  variable,
  provider,
}: {
  apiKey: string | undefined;
  env?: Environment | undefined;
  variable: string;
  provider: string;
}): string {
  const key = apiKey ?? env[variable];
  if (key === undefined || key.trim() === '') {
    throw new WebToolError({
      code: 'MISSING_API_KEY',
      message: `${provider} search needs an API key: pass apiKey or set ${variable}`,
    });
  }
  return key;
}

/** Checks a provider's JSON against the documented shape; BAD_RESPONSE when it differs. */
export function parseProviderResponse<SCHEMA extends z.ZodType>({
  schema,
  value,
  provider,
}: {
  schema: SCHEMA;
  value: unknown;
  provider: string;
}): z.output<SCHEMA> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new WebToolError({
      code: 'BAD_RESPONSE',
      message: `${provider} answered in an unexpected format (${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`})`,
    });
  }
  return result.data;
}

/**
 * Sends a provider's request (JSON accepted) and checks the JSON answer against the
 * documented shape: HTTP failures as the request's errors, a different shape as BAD_RESPONSE.
 */
export async function requestProviderJson<SCHEMA extends z.ZodType>({
  provider,
  schema,
  headers = {},
  timeoutMs,
  ...request
}: Omit<HttpRequestOptions, 'timeoutMs'> & {
  provider: string;
  schema: SCHEMA;
  timeoutMs?: number | undefined;
}): Promise<z.output<SCHEMA>> {
  const response = await httpRequest({
    ...request,
    headers: { accept: 'application/json', ...headers },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  return parseProviderResponse({ schema, value: parseJsonBody(response, provider), provider });
}

/** Removes the markup some providers put in snippets (`<strong>`, `&amp;`). */
export function stripMarkup(text: string): string {
  return text
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(
      /&(amp|lt|gt|quot|#39|#x27|nbsp);/g,
      (_match, entity: string) => entityText[entity] ?? '',
    )
    .trim();
}

const entityText: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  nbsp: ' ',
};
