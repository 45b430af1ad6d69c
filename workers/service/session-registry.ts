import type { FastifyBaseLogger } from 'fastify';
import type { JobBackend } from '../queue/job-backend.ts';
import { HttpError } from './api-error.ts';
import type { TenantScope } from './tenant-scope.ts';

// The sessions opened through this service, by tenant: what `GET /v1/sessions` lists, what
// the session quota counts, and what is closed after its idle time. A session is opened by
// `POST /v1/sessions` or by the first job naming it.

/** A session unused this long is closed (its sandbox freed), unless it asks otherwise. */
export const DEFAULT_SESSION_IDLE_TTL_MS = 15 * 60_000;
export const MAX_SESSION_IDLE_TTL_MS = 24 * 3_600_000;

export type SessionLanguage = 'python' | 'javascript';

export interface SessionRecord {
  sessionId: string;
  /** What its first job ran: IPython, or the JavaScriptInterpreter tool. */
  language: SessionLanguage;
  createdAt: number;
  lastUsedAt: number;
  idleTtlMs: number;
}

interface Entry extends SessionRecord {
  queueSessionId: string;
  timer: NodeJS.Timeout;
}

export class SessionRegistry {
  readonly #jobs: JobBackend;
  readonly #log: FastifyBaseLogger;
  readonly #byTenant = new Map<string, Map<string, Entry>>();

  constructor({ jobs, log }: { jobs: JobBackend; log: FastifyBaseLogger }) {
    this.#jobs = jobs;
    this.#log = log;
  }

  /**
   * Notes a use of the session (opening it when it is new): 429 when it is new and the
   * tenant has its most sessions open. Its idle clock starts again.
   */
  use({
    scope,
    sessionId,
    idleTtlMs,
    startIdleClock = true,
    language = 'python',
  }: {
    scope: TenantScope;
    sessionId: string;
    /** Noted when the session is new. @default 'python' */
    language?: SessionLanguage;
    idleTtlMs?: number | undefined;
    /** False while the session is starting: a start may outlast a short idle time. */
    startIdleClock?: boolean;
  }): { record: SessionRecord; created: boolean } {
    const sessions = this.#sessions(scope);
    const now = Date.now();
    const known = sessions.get(sessionId);
    if (known) {
      known.lastUsedAt = now;
      if (idleTtlMs !== undefined) known.idleTtlMs = idleTtlMs;
      if (startIdleClock) this.#arm(scope, known);
      else clearTimeout(known.timer);
      return { record: snapshot(known), created: false };
    }
    const { maxSessions } = scope.tenant.quotas;
    if (sessions.size >= maxSessions) {
      throw new HttpError({
        code: 'RATE_LIMITED',
        message: `This API key has ${sessions.size} sessions open, its most at once: close one first`,
        retryAfterS: 1,
      });
    }
    const entry: Entry = {
      sessionId,
      queueSessionId: scope.sessionId(sessionId),
      language,
      createdAt: now,
      lastUsedAt: now,
      idleTtlMs: idleTtlMs ?? DEFAULT_SESSION_IDLE_TTL_MS,
      timer: undefined as unknown as NodeJS.Timeout,
    };
    sessions.set(sessionId, entry);
    if (startIdleClock) this.#arm(scope, entry);
    return { record: snapshot(entry), created: true };
  }

  get(scope: TenantScope, sessionId: string): SessionRecord | undefined {
    const entry = this.#sessions(scope).get(sessionId);
    return entry && snapshot(entry);
  }

  list(scope: TenantScope): SessionRecord[] {
    return [...this.#sessions(scope).values()].map(snapshot);
  }

  /** Forgets the session; true when it was known. (Closing its sandbox is the caller's job.) */
  forget(scope: TenantScope, sessionId: string): boolean {
    const sessions = this.#sessions(scope);
    const entry = sessions.get(sessionId);
    if (!entry) return false;
    clearTimeout(entry.timer);
    sessions.delete(sessionId);
    return true;
  }

  /** Stops the idle clocks (the service is stopping; the workers keep the sessions). */
  close(): void {
    for (const sessions of this.#byTenant.values()) {
      for (const entry of sessions.values()) clearTimeout(entry.timer);
    }
    this.#byTenant.clear();
  }

  #sessions(scope: TenantScope): Map<string, Entry> {
    let sessions = this.#byTenant.get(scope.tenant.id);
    if (!sessions) {
      sessions = new Map();
      this.#byTenant.set(scope.tenant.id, sessions);
    }
    return sessions;
  }

  #arm(scope: TenantScope, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (!this.forget(scope, entry.sessionId)) return;
      // In line after the session's calls: a call still running ends first.
      this.#jobs
        .submit({ request: { kind: 'close-session', sessionId: entry.queueSessionId } })
        .catch((error: unknown) =>
          this.#log.warn(
            { err: error, sessionId: entry.sessionId },
            'closing an idle session failed',
          ),
        );
    }, entry.idleTtlMs);
    entry.timer.unref();
  }
}

function snapshot({ sessionId, language, createdAt, lastUsedAt, idleTtlMs }: Entry): SessionRecord {
  return { sessionId, language, createdAt, lastUsedAt, idleTtlMs };
}
