import { randomBytes } from 'node:crypto';

/** A sandbox session unused this long is closed. */
export const DEFAULT_MCP_SESSION_IDLE_TTL_MS = 15 * 60_000;
/** The session a call without `sessionId` uses: state is kept across an MCP session's calls. */
export const DEFAULT_MCP_SANDBOX_SESSION = 'default';
/** What a client may call its sessions. */
export const MCP_SANDBOX_SESSION_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Worker tools keep their own state (search results, ...) under a session of their own. */
export type SandboxLanguage = 'python' | 'javascript' | 'tools';

interface Entry {
  sessionId: string;
  language: SandboxLanguage;
  jobSessionId: string;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The sandbox sessions one MCP session owns. A client names them (`sessionId`); the queue
 * sees them under a random key of this MCP session, so two MCP sessions that pick the same
 * name never share state. Each is closed after its idle time, and all of them when the MCP
 * session ends.
 */
export class McpSandboxSessions {
  readonly #key = randomBytes(9).toString('base64url');
  readonly #entries = new Map<string, Entry>();
  readonly #idleTtlMs: number;
  readonly #close: (jobSessionId: string) => Promise<void>;
  #closed = false;

  constructor({
    idleTtlMs = DEFAULT_MCP_SESSION_IDLE_TTL_MS,
    close,
  }: {
    idleTtlMs?: number;
    /** Closes one session's sandbox (its id as jobs name it). */
    close: (jobSessionId: string) => Promise<void>;
  }) {
    this.#idleTtlMs = idleTtlMs;
    this.#close = close;
  }

  /**
   * The id jobs use for the client's session. Its idle clock stops while a call runs
   * (`done` starts it again). A session keeps the language it started with.
   */
  use({
    sessionId = DEFAULT_MCP_SANDBOX_SESSION,
    language,
  }: {
    sessionId?: string | undefined;
    language: SandboxLanguage;
  }): { jobSessionId: string; done: () => void } {
    const name = `${language}:${sessionId}`;
    let entry = this.#entries.get(name);
    if (!entry) {
      const prefix = { python: 'py', javascript: 'js', tools: 'tl' }[language];
      entry = {
        sessionId,
        language,
        jobSessionId: `mcp.${this.#key}.${prefix}.${sessionId}`,
        timer: undefined,
      };
      this.#entries.set(name, entry);
    }
    clearTimeout(entry.timer);
    const used = entry;
    return {
      jobSessionId: entry.jobSessionId,
      done: () => {
        if (this.#closed || this.#entries.get(name) !== used) return;
        clearTimeout(used.timer);
        used.timer = setTimeout(() => void this.#expire(name), this.#idleTtlMs);
        used.timer.unref();
      },
    };
  }

  /** The sessions opened so far (Python ones hold files). */
  list(): { sessionId: string; language: SandboxLanguage; jobSessionId: string }[] {
    return [...this.#entries.values()].map(({ sessionId, language, jobSessionId }) => ({
      sessionId,
      language,
      jobSessionId,
    }));
  }

  /** The MCP session ended: every sandbox session it opened is closed. */
  async closeAll(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) clearTimeout(entry.timer);
    await Promise.allSettled(entries.map((entry) => this.#close(entry.jobSessionId)));
  }

  async #expire(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (!entry) return;
    this.#entries.delete(name);
    await this.#close(entry.jobSessionId).catch(() => undefined);
  }
}
