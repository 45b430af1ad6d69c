import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  InvalidArgumentError,
  isPlainObject,
  safeParseJson,
  throwIfAborted,
} from '../../core/index.ts';

// Code-eval datasets as JSONL, one problem a line, in the HumanEval or the MBPP layout. Each
// line becomes the one Python program that passes when the solution is right; the optional
// `expected` field is the outcome a fixture was written to produce, for checking the runner.

export type EvalFormat = 'humaneval' | 'mbpp';

/** One problem, ready to run: `program` exits 0 when the solution passes its tests. */
export interface EvalItem {
  id: string;
  program: string;
  format: EvalFormat;
  expected?: string;
}

const TaskIdSchema = z.union([z.string().min(1), z.number()]);

/** HumanEval: the solution is `completion` (a model's) or `canonical_solution` (the reference). */
const HumanEvalSchema = z.object({
  task_id: TaskIdSchema,
  prompt: z.string(),
  completion: z.string().optional(),
  canonical_solution: z.string().optional(),
  test: z.string(),
  entry_point: z.string().min(1),
  expected: z.string().optional(),
});

/** MBPP: `challenge_test_list` holds harder extra tests that pass@1 does not count. */
const MbppSchema = z.object({
  task_id: TaskIdSchema,
  code: z.string(),
  test_list: z.array(z.string()),
  test_setup_code: z.string().default(''),
  challenge_test_list: z.array(z.string()).optional(),
  expected: z.string().optional(),
});

function formatOf(record: Record<string, unknown>): EvalFormat | undefined {
  if ('prompt' in record || 'entry_point' in record) return 'humaneval';
  if ('code' in record || 'test_list' in record) return 'mbpp';
  return undefined;
}

/** Zod's issues as one line; an absent top-level key reads as a missing field. */
function describeIssues(error: z.ZodError, record: Record<string, unknown>): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const [key] = issue.path;
      const missing = issue.path.length === 1 && typeof key === 'string' && !(key in record);
      return missing ? `missing field "${path}"` : `field "${path}": ${issue.message}`;
    })
    .join('; ');
}

function invalid(lineNumber: number, problem: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError({
    message: `Eval dataset line ${lineNumber}: ${problem}`,
    cause,
  });
}

/** `expected` only when the line has it (exactOptionalPropertyTypes). */
function withExpected(item: EvalItem, expected: string | undefined): EvalItem {
  return expected === undefined ? item : { ...item, expected };
}

/** Parses and validates one JSONL line into a runnable item. Throws InvalidArgumentError. */
export function parseEvalLine({
  line,
  lineNumber,
}: {
  line: string;
  lineNumber: number;
}): EvalItem {
  const parsed = safeParseJson(line);
  if (!parsed.success) throw invalid(lineNumber, `invalid JSON (${parsed.error.message})`);
  if (!isPlainObject(parsed.value)) throw invalid(lineNumber, 'expected a JSON object');
  const format = formatOf(parsed.value);
  if (format === undefined) {
    throw invalid(
      lineNumber,
      'neither a HumanEval item (prompt, test, entry_point) nor an MBPP item (code, test_list)',
    );
  }

  if (format === 'humaneval') {
    const result = HumanEvalSchema.safeParse(parsed.value);
    if (!result.success) {
      throw invalid(
        lineNumber,
        `HumanEval item: ${describeIssues(result.error, parsed.value)}`,
        result.error,
      );
    }
    const item = result.data;
    // A model's completion is what gets graded; the reference solution is the fallback.
    const solution = item.completion ?? item.canonical_solution;
    if (solution === undefined) {
      throw invalid(
        lineNumber,
        'HumanEval item: missing field "completion" or "canonical_solution"',
      );
    }
    const program = `${item.prompt}${solution}\n${item.test}\ncheck(${item.entry_point})\n`;
    return withExpected({ id: String(item.task_id), program, format }, item.expected);
  }

  const result = MbppSchema.safeParse(parsed.value);
  if (!result.success) {
    throw invalid(
      lineNumber,
      `MBPP item: ${describeIssues(result.error, parsed.value)}`,
      result.error,
    );
  }
  const item = result.data;
  const program = `${item.test_setup_code}\n${item.code}\n${item.test_list.join('\n')}\n`;
  return withExpected({ id: String(item.task_id), program, format }, item.expected);
}

/**
 * Reads a JSONL dataset line by line (datasets can be large), skipping blank lines. A
 * repeated id is rejected: results are keyed by id, so a duplicate would hide one problem.
 */
export async function* readEvalDataset({
  path,
  signal,
}: {
  path: string;
  signal?: AbortSignal;
}): AsyncGenerator<EvalItem> {
  throwIfAborted(signal, 'Reading the eval dataset');
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const firstLineOf = new Map<string, number>();
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber += 1;
      throwIfAborted(signal, 'Reading the eval dataset');
      // Editors on Windows may save JSONL with a byte-order mark.
      const line = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      const item = parseEvalLine({ line, lineNumber });
      const first = firstLineOf.get(item.id);
      if (first !== undefined) {
        throw invalid(lineNumber, `duplicate task_id "${item.id}" (first on line ${first})`);
      }
      firstLineOf.set(item.id, lineNumber);
      yield item;
    }
  } finally {
    // Also runs when the consumer stops early: release the file descriptor.
    lines.close();
    stream.destroy();
  }
}

/** pass@1 with one sample per problem: the fraction that passed (0 for no problems). */
export function passAtOne({ passed, total }: { passed: number; total: number }): number {
  if (!Number.isInteger(passed) || !Number.isInteger(total) || passed < 0 || passed > total) {
    throw new InvalidArgumentError({
      message: `passAtOne needs integers 0 <= passed <= total, got passed=${passed}, total=${total}`,
    });
  }
  return total === 0 ? 0 : passed / total;
}
