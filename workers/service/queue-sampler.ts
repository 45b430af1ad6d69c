import type { JobBackend, QueueStatus } from '../queue/job-backend.ts';

// The overview's live numbers: the queue read every few seconds while someone watches, with
// jobs per second worked out from the workers' own counters (each heartbeat carries how many
// jobs the worker has finished), and the last minutes kept for the chart.

/** How often the queue is read while a stream is open. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 2_000;
/** How far back the history sent to a new stream reaches. */
export const DEFAULT_SAMPLE_HISTORY_MS = 10 * 60_000;

export interface WorkerSample {
  workerId: string;
  host: string | null;
  status: string;
  uptimeMs: number | null;
  /** Jobs running on it now. */
  active: number;
  /** Jobs it finished (completed or failed) since it started. */
  finished: number | null;
  sessions: number | null;
  /** Over the last interval; null for a worker seen for the first time. */
  jobsPerSecond: number | null;
  /** The whole heartbeat, for what the fields above leave out. */
  health: Record<string, unknown>;
}

export interface StatusSample {
  at: number;
  waiting: number;
  active: number;
  sessions: number;
  /** Jobs finished per second by all workers over the last interval. */
  jobsPerSecond: number;
  workers: WorkerSample[];
  /** Set when the queue did not answer (the other numbers are then zero). */
  error?: string;
}

export type SampleListener = (sample: StatusSample) => void;

const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** Reads the queue on a timer while it has listeners; keeps the samples of the last minutes. */
export class QueueSampler {
  readonly #jobs: JobBackend;
  readonly #intervalMs: number;
  readonly #historyMs: number;
  readonly #listeners = new Set<SampleListener>();
  readonly #history: StatusSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  readonly #stop = new AbortController();

  constructor({
    jobs,
    intervalMs = DEFAULT_SAMPLE_INTERVAL_MS,
    historyMs = DEFAULT_SAMPLE_HISTORY_MS,
  }: {
    jobs: JobBackend;
    intervalMs?: number;
    historyMs?: number;
  }) {
    this.#jobs = jobs;
    this.#intervalMs = intervalMs;
    this.#historyMs = historyMs;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The samples kept, oldest first. */
  history(): StatusSample[] {
    return [...this.#history];
  }

  /** Calls `listener` with each new sample until the returned function is called. */
  subscribe(listener: SampleListener): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined && !this.closed.aborted) this.#schedule(0);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Aborted by close(): streams that follow the samples end then. */
  get closed(): AbortSignal {
    return this.#stop.signal;
  }

  close(): void {
    this.#stop.abort(new Error('the service is stopping'));
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#tick(), delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const sample = await this.#sample();
    const previous = this.#history.at(-1);
    if (previous) withRates(sample, previous);
    this.#history.push(sample);
    while ((this.#history[0]?.at ?? Infinity) < sample.at - this.#historyMs) this.#history.shift();
    for (const listener of this.#listeners) listener(sample);
    // Read again only while someone still watches (the timer was cleared otherwise).
    if (this.#timer !== undefined && !this.closed.aborted) this.#schedule(this.#intervalMs);
  }

  async #sample(): Promise<StatusSample> {
    const at = Date.now();
    let status: QueueStatus;
    try {
      status = await this.#jobs.queueStatus();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        at,
        waiting: 0,
        active: 0,
        sessions: 0,
        jobsPerSecond: 0,
        workers: [],
        error: message,
      };
    }
    return {
      at,
      waiting: status.waiting,
      active: status.active,
      sessions: status.sessions,
      jobsPerSecond: 0,
      workers: status.workers.map(({ workerId, health }) => {
        const completed = count(health['completed']);
        const failed = count(health['failed']);
        return {
          workerId,
          host: typeof health['host'] === 'string' ? health['host'] : null,
          status: typeof health['status'] === 'string' ? health['status'] : 'unknown',
          uptimeMs: count(health['uptimeMs']),
          active: count(health['active']) ?? 0,
          finished: completed === null ? null : completed + (failed ?? 0),
          sessions: count(health['sessions']),
          jobsPerSecond: null,
          health,
        };
      }),
    };
  }
}

/** Fills the rates from the counters' growth since the previous sample. */
function withRates(sample: StatusSample, previous: StatusSample): void {
  const seconds = (sample.at - previous.at) / 1000;
  if (seconds <= 0) return;
  const before = new Map(previous.workers.map((worker) => [worker.workerId, worker.finished]));
  let total = 0;
  for (const worker of sample.workers) {
    const earlier = before.get(worker.workerId);
    if (worker.finished === null || earlier === undefined || earlier === null) continue;
    // A counter that went down is a restarted worker: its count starts again from zero.
    const grown = worker.finished >= earlier ? worker.finished - earlier : worker.finished;
    worker.jobsPerSecond = grown / seconds;
    total += grown;
  }
  sample.jobsPerSecond = total / seconds;
}
