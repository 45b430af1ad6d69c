import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { Action } from '../../core/index.ts';
import {
  ActionStatusCode,
  createActionReturn,
  defineToolApi,
  defineToolkit,
} from '../../core/index.ts';
import { DEFAULT_WEB_TIMEOUT_MS, excerpt, httpRequest, isRetryableStatus } from './http-request.ts';
import type { RetryOptions } from './retry.ts';
import { withRetries } from './retry.ts';
import { WebToolError } from './web-tool-error.ts';

export const ARXIV_API_URL = 'http://export.arxiv.org/api/query';
/** Lagent's `top_k_results=3`. */
export const DEFAULT_ARXIV_TOP_K = 3;
/** Lagent's `max_query_len=300`. */
export const DEFAULT_ARXIV_MAX_QUERY_CHARS = 300;
/** Lagent's `doc_content_chars_max=1500`, applied to each summary. */
export const DEFAULT_ARXIV_MAX_SUMMARY_CHARS = 1500;
/** What the model gets when the search finds nothing (Lagent's text). */
export const NO_ARXIV_RESULT = 'No good Arxiv Result was found';

export interface ArxivSearchOptions extends Omit<RetryOptions, 'signal'> {
  /** @default DEFAULT_ARXIV_TOP_K */
  topKResults?: number;
  /** The query is cut to this length. @default DEFAULT_ARXIV_MAX_QUERY_CHARS */
  maxQueryChars?: number;
  /** Each summary is cut to this length. @default DEFAULT_ARXIV_MAX_SUMMARY_CHARS */
  maxSummaryChars?: number;
  /** The arXiv API's query endpoint; tests point it at a local server. @default ARXIV_API_URL */
  baseUrl?: string;
  /** @default DEFAULT_WEB_TIMEOUT_MS */
  timeoutMs?: number;
  /** @default 'ArxivSearch' */
  name?: string;
}

/** One arXiv paper, as the Atom feed gives it. */
export interface ArxivEntry {
  id: string;
  published: string;
  updated: string;
  title: string;
  summary: string;
  authors: string[];
}

const textNode = z.union([
  z.string(),
  z.object({ '#text': z.string() }).transform((node) => node['#text']),
]);
const feedSchema = z.object({
  feed: z.object({
    entry: z
      .array(
        z.object({
          id: textNode,
          published: textNode.optional(),
          updated: textNode.optional(),
          title: textNode.optional(),
          summary: textNode.optional(),
          author: z.array(z.object({ name: textNode })).optional(),
        }),
      )
      .optional(),
  }),
});

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'entry' || name === 'author',
});

/**
 * Reads an arXiv API Atom feed. An error feed (one entry whose id is under
 * `arxiv.org/api/errors`) throws BAD_RESPONSE with arXiv's message.
 */
export function parseArxivFeed(xml: string): ArxivEntry[] {
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new WebToolError({
      code: 'BAD_RESPONSE',
      message: `the answer is not XML (${error instanceof Error ? error.message : String(error)})`,
    });
  }
  const parsed = feedSchema.safeParse(document);
  if (!parsed.success) {
    throw new WebToolError({ code: 'BAD_RESPONSE', message: 'the answer is not an Atom feed' });
  }
  const entries = (parsed.data.feed.entry ?? []).map((entry) => ({
    id: entry.id.trim(),
    published: (entry.published ?? '').trim(),
    updated: (entry.updated ?? '').trim(),
    title: oneLine(entry.title ?? ''),
    summary: oneLine(entry.summary ?? ''),
    authors: (entry.author ?? []).map((author) => oneLine(author.name)),
  }));
  const error = entries.find((entry) => entry.id.includes('arxiv.org/api/errors'));
  if (error !== undefined) {
    throw new WebToolError({ code: 'BAD_RESPONSE', message: error.summary || error.id });
  }
  return entries;
}

/**
 * Formats entries as Lagent does: `Published` (Lagent shows the `updated` date), `Title`,
 * `Authors`, `Summary` (cut), one block per paper, blocks joined by a blank line.
 */
export function formatArxivEntries({
  entries,
  maxSummaryChars = DEFAULT_ARXIV_MAX_SUMMARY_CHARS,
}: {
  entries: readonly ArxivEntry[];
  maxSummaryChars?: number;
}): string {
  if (entries.length === 0) return NO_ARXIV_RESULT;
  return entries
    .map(
      (entry) =>
        `Published: ${(entry.updated || entry.published).slice(0, 10)}\nTitle: ${entry.title}\n` +
        `Authors: ${entry.authors.join(', ')}\nSummary: ${entry.summary.slice(0, maxSummaryChars)}`,
    )
    .join('\n\n');
}

/**
 * Lagent's `ArxivSearch` toolkit, on the arXiv API: `get_arxiv_article_information(query)`
 * gives `{content}` with the top papers. Failures come back as HTTP_ERROR with errmsg
 * `Arxiv exception: …`, as in Lagent.
 */
export function createArxivSearch({
  topKResults = DEFAULT_ARXIV_TOP_K,
  maxQueryChars = DEFAULT_ARXIV_MAX_QUERY_CHARS,
  maxSummaryChars = DEFAULT_ARXIV_MAX_SUMMARY_CHARS,
  baseUrl = ARXIV_API_URL,
  timeoutMs = DEFAULT_WEB_TIMEOUT_MS,
  name = 'ArxivSearch',
  ...retry
}: ArxivSearchOptions = {}): Action {
  const search = async (query: string, signal: AbortSignal | undefined): Promise<ArxivEntry[]> => {
    const url = new URL(baseUrl);
    url.searchParams.set('search_query', query.slice(0, maxQueryChars));
    url.searchParams.set('start', '0');
    url.searchParams.set('max_results', String(topKResults));
    const response = await httpRequest({
      url,
      headers: { accept: 'application/atom+xml' },
      timeoutMs,
      signal,
      throwOnErrorStatus: false,
    });
    const xml = new TextDecoder().decode(response.body);
    if (response.status >= 400) {
      // arXiv answers a bad query with 400 and an error feed: give its message if there is one.
      let message = `HTTP ${response.status}: ${excerpt(response.body)}`;
      try {
        parseArxivFeed(xml);
      } catch (error) {
        if (WebToolError.isInstance(error)) message = `HTTP ${response.status}: ${error.message}`;
      }
      throw new WebToolError({
        code: 'HTTP_STATUS',
        message,
        httpStatus: response.status,
        isRetryable: isRetryableStatus(response.status),
      });
    }
    return parseArxivFeed(xml).slice(0, topKResults);
  };

  return defineToolkit({
    name,
    description: 'Searches arXiv for papers: their date, title, authors and summary.',
    apis: {
      get_arxiv_article_information: defineToolApi({
        description: 'Run Arxiv search and get the article meta information.',
        parameters: z.object({ query: z.string().describe('the content of search query') }),
        execute: async ({ query }, { signal }) => {
          try {
            const entries = await withRetries({
              operation: () => search(query, signal),
              ...retry,
              signal,
            });
            return { content: formatArxivEntries({ entries, maxSummaryChars }) };
          } catch (error) {
            if (signal?.aborted || !WebToolError.isInstance(error)) throw error;
            return createActionReturn({
              errmsg: `Arxiv exception: ${error.message}`,
              state: ActionStatusCode.HTTP_ERROR,
            });
          }
        },
      }),
    },
  });
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
