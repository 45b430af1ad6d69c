// lagent-ts/tools: tools for the ActionExecutor built on core's contracts. The IPython tools
// take any SandboxProvider (the Docker one in sandboxes/), so this layer imports no engine.
export type { ImageOutput } from './ipython/execution-result.ts';
export {
  DEFAULT_IMAGE_DIR,
  DEFAULT_IMAGE_OUTPUT,
  DEFAULT_MAX_OUTPUT_CHARS,
  executionToActionReturn,
  localizeImages,
  TIMEOUT_MESSAGE,
} from './ipython/execution-result.ts';
export { extractCode } from './ipython/extract-code.ts';
export type { IPythonToolOptions } from './ipython/ipython-interactive.ts';
export { IPythonInteractive, SESSION_CLOSED_MESSAGE } from './ipython/ipython-interactive.ts';
export { streamTo } from './ipython/stream-to.ts';
export { createIPythonInterpreter, needsKernel } from './ipython/ipython-interpreter.ts';

// Web tools: Lagent's WebBrowser (search, select, open_url) over several search providers,
// with an address guard on model-chosen URLs, and ArxivSearch.
export type { AddressPolicyOptions, ResolveHost } from './web/address-guard.ts';
export { AddressPolicy, resolveWithSystemDns } from './web/address-guard.ts';
export type { ArxivEntry, ArxivSearchOptions } from './web/arxiv-search.ts';
export {
  ARXIV_API_URL,
  createArxivSearch,
  DEFAULT_ARXIV_MAX_QUERY_CHARS,
  DEFAULT_ARXIV_MAX_SUMMARY_CHARS,
  DEFAULT_ARXIV_TOP_K,
  formatArxivEntries,
  NO_ARXIV_RESULT,
  parseArxivFeed,
} from './web/arxiv-search.ts';
export type { BingSearchOptions } from './web/bing-search.ts';
export { BING_SEARCH_URL, BingSearch } from './web/bing-search.ts';
export type { BraveSearchOptions } from './web/brave-search.ts';
export { BRAVE_SEARCH_URL, BraveSearch } from './web/brave-search.ts';
export type { SearchProviderConfig, SearchProviderType } from './web/create-search-provider.ts';
export { createSearchProvider } from './web/create-search-provider.ts';
export type { DuckDuckGoSearchOptions } from './web/duckduckgo-search.ts';
export {
  DUCKDUCKGO_SEARCH_URL,
  DuckDuckGoSearch,
  parseDuckDuckGoHtml,
} from './web/duckduckgo-search.ts';
export type { ReadablePage } from './web/html-to-readable-text.ts';
export { htmlToReadableText } from './web/html-to-readable-text.ts';
export type { AddressGuard, HttpRequestOptions, HttpResponse } from './web/http-request.ts';
export {
  createGuardedAgent,
  DEFAULT_MAX_REDIRECTS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_WEB_TIMEOUT_MS,
  httpRequest,
} from './web/http-request.ts';
export type { FetchedPage, PageFetcherOptions } from './web/page-fetcher.ts';
export { DEFAULT_MAX_PAGE_BYTES, PageFetcher } from './web/page-fetcher.ts';
export type { ResultCacheOptions } from './web/result-cache.ts';
export {
  DEFAULT_CACHE_MAX_ENTRIES,
  DEFAULT_CACHE_TTL_MS,
  ResultCache,
} from './web/result-cache.ts';
export type { RetryOptions } from './web/retry.ts';
export { DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_DELAY_MS, withRetries } from './web/retry.ts';
export type {
  Environment,
  ProviderBaseOptions,
  ProviderSearchOptions,
  SearchHit,
  SearchProvider,
} from './web/search-provider.ts';
export type { SearxngSearchOptions } from './web/searxng-search.ts';
export { SearxngSearch } from './web/searxng-search.ts';
export type { SerperSearchOptions } from './web/serper-search.ts';
export { SERPER_SEARCH_URL, SerperSearch } from './web/serper-search.ts';
export type { TavilySearchOptions } from './web/tavily-search.ts';
export { TAVILY_SEARCH_URL, TavilySearch } from './web/tavily-search.ts';
export type { StoredSearchResult, WebBrowserOptions } from './web/web-browser.ts';
export { DEFAULT_MAX_CONTENT_CHARS, MAX_SELECT_IDS, WebBrowser } from './web/web-browser.ts';
export type { WebSearcherOptions } from './web/web-searcher.ts';
export { DEFAULT_BLOCK_LIST, DEFAULT_SEARCH_TOPK, WebSearcher } from './web/web-searcher.ts';
export type { WebToolErrorCode } from './web/web-tool-error.ts';
export { WebToolError } from './web/web-tool-error.ts';
export type { InterpreterToolText } from './ipython/ipython-interactive.ts';
export {
  JS_SESSION_CLOSED_MESSAGE,
  JavaScriptInterpreter,
} from './javascript/javascript-interpreter.ts';
export { extractJavaScript } from './javascript/extract-javascript.ts';

// MCP servers' tools as tools of this platform (a worker serves them like its own).
export type { McpServerSpec } from './mcp/mcp-server-spec.ts';
export { parseMcpServerSpec } from './mcp/mcp-server-spec.ts';
export { McpRemoteTool } from './mcp/mcp-remote-tool.ts';
export type { McpToolSourceOptions } from './mcp/mcp-tool-source.ts';
export {
  DEFAULT_MCP_CALL_TIMEOUT_MS,
  DEFAULT_MCP_START_TIMEOUT_MS,
  McpCallFailure,
  McpToolSource,
} from './mcp/mcp-tool-source.ts';
export type { PythonInterpreterOptions } from './ipython/python-interpreter.ts';
export {
  createPythonInterpreter,
  DEFAULT_ANSWER_EXPR,
  DEFAULT_PYTHON_INTERPRETER_TIMEOUT_MS,
  PYTHON_INTERPRETER_DESCRIPTION,
  pythonInterpreterCode,
} from './ipython/python-interpreter.ts';
