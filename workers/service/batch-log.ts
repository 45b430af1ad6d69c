import type { Execution } from '../../core/index.ts';
import type { JobResult } from '../queue/job-schema.ts';
import { failureOf } from './job-log.ts';
import type { TenantScope } from './tenant-scope.ts';

// Batches of jobs (an evaluation's programs): each job submitted with a `batchId` counts
// into its batch, which the dashboard shows as progress and pass rate. Held per service
// process, like the jobs list.

/** Batches kept per tenant; the oldest is forgotten first. */
export const DEFAULT_BATCH_LOG_SIZE = 100;

export interface BatchSummary {
  batchId: string;
  name: string | null;
  /** How many jobs the batch will have, when its submitter said; else those submitted. */
  total: number;
  submitted: number;
  ended: number;
  /** Ended without a failure: completed, no error from the code or the tool, in time. */
  passed: number;
  failed: number;
  /** passed / ended; null before the first end. */
  passRate: number | null;
  createdAt: number;
  /** When the last job ended, once every job of `total` has. */
  endedAt: number | null;
}

interface Entry {
  summary: BatchSummary;
  declaredTotal: number | null;
}

/** Passed, for a batch: the job ran to its end without any failure (an evaluation's pass). */
export function passedOf(result: JobResult): boolean {
  return failureOf(result) === null && !result.execution?.timedOut;
}

function executionPassed(execution: Execution | undefined): boolean {
  return execution !== undefined && execution.error === null && !execution.timedOut;
}

export class BatchLog {
  readonly #size: number;
  readonly #byTenant = new Map<string, Map<string, Entry>>();

  constructor({ size = DEFAULT_BATCH_LOG_SIZE }: { size?: number } = {}) {
    this.#size = size;
  }

  /** Opens the batch (again: its name and total are updated); answers whether it is new. */
  open({
    scope,
    batchId,
    name,
    total,
  }: {
    scope: TenantScope;
    batchId: string;
    name?: string | undefined;
    total?: number | undefined;
  }): { batch: BatchSummary; created: boolean } {
    const batches = this.#batches(scope);
    const known = batches.get(batchId);
    if (known) {
      if (name !== undefined) known.summary.name = name;
      if (total !== undefined) known.declaredTotal = total;
      refresh(known);
      return { batch: { ...known.summary }, created: false };
    }
    const entry: Entry = {
      summary: {
        batchId,
        name: name ?? null,
        total: total ?? 0,
        submitted: 0,
        ended: 0,
        passed: 0,
        failed: 0,
        passRate: null,
        createdAt: Date.now(),
        endedAt: null,
      },
      declaredTotal: total ?? null,
    };
    batches.set(batchId, entry);
    if (batches.size > this.#size) {
      const oldest = batches.keys().next();
      if (!oldest.done) batches.delete(oldest.value);
    }
    return { batch: { ...entry.summary }, created: true };
  }

  /**
   * Counts a submitted job into the batch (opening it when it is new): as many items as it
   * has programs (a run-batch job), else one.
   */
  submitted(scope: TenantScope, batchId: string, items = 1): void {
    this.open({ scope, batchId });
    const entry = this.#batches(scope).get(batchId);
    if (!entry) return;
    entry.summary.submitted += items;
    refresh(entry);
  }

  /** Counts a job's end: each of its `items` (a run-batch job's programs) passed or failed. */
  ended(scope: TenantScope, batchId: string, result: JobResult, items = 1): void {
    const entry = this.#batches(scope).get(batchId);
    if (!entry) return;
    for (let index = 0; index < items; index += 1) {
      const passed = result.executions
        ? result.status === 'completed' && executionPassed(result.executions[index])
        : items === 1 && passedOf(result);
      entry.summary.ended += 1;
      if (passed) entry.summary.passed += 1;
      else entry.summary.failed += 1;
    }
    refresh(entry);
  }

  get(scope: TenantScope, batchId: string): BatchSummary | undefined {
    const entry = this.#batches(scope).get(batchId);
    return entry && { ...entry.summary };
  }

  /** The tenant's batches, newest first. */
  list(scope: TenantScope): BatchSummary[] {
    return [...this.#batches(scope).values()].reverse().map((entry) => ({ ...entry.summary }));
  }

  #batches(scope: TenantScope): Map<string, Entry> {
    let batches = this.#byTenant.get(scope.tenant.id);
    if (!batches) {
      batches = new Map();
      this.#byTenant.set(scope.tenant.id, batches);
    }
    return batches;
  }
}

function refresh(entry: Entry): void {
  const summary = entry.summary;
  summary.total = Math.max(entry.declaredTotal ?? 0, summary.submitted);
  summary.passRate = summary.ended === 0 ? null : summary.passed / summary.ended;
  summary.endedAt =
    summary.total > 0 && summary.ended >= summary.total ? (summary.endedAt ?? Date.now()) : null;
}
