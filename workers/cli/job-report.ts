import type { JobBackend } from '../queue/job-backend.ts';
import { warn } from './cli-output.ts';
import { EXIT_JOB_FAILED, EXIT_OK, EXIT_ON_SIGNAL } from './exit-codes.ts';
import type { FollowOutcome } from './follow-job.ts';
import type { Interrupt } from './interrupt.ts';
import { OutputFiles } from './output-files.ts';
import { printJobResult } from './result-printer.ts';

/** Output files of a command: `--out-dir`, else a temporary directory announced on stderr. */
export function outputFiles(outDir: string | undefined): OutputFiles {
  return new OutputFiles({
    dir: outDir,
    announce: (dir) =>
      warn(`rich output (figures, HTML) is saved under ${dir} (choose with --out-dir)`),
  });
}

/**
 * Prints how a job the command ran ended and returns the exit code: its result, or, when
 * the command was interrupted (which cancelled the job), that it was cancelled.
 */
export async function reportRunOutcome({
  jobs,
  jobId,
  outcome,
  interrupt,
  files,
}: {
  jobs: JobBackend;
  jobId: string;
  outcome: FollowOutcome;
  interrupt: Interrupt;
  files: OutputFiles;
}): Promise<number> {
  if (outcome.kind === 'ended') {
    const ok = await printJobResult({ result: outcome.result, files, logsShown: outcome.streamed });
    return ok ? EXIT_OK : EXIT_JOB_FAILED;
  }
  const received = interrupt.received ?? 'SIGINT';
  // The cancel loses to a job that ended first: then say how it ended.
  const info = await jobs.getJob({ jobId }).catch(() => undefined);
  const status = info?.result?.status;
  warn(
    status === undefined || status === 'cancelled'
      ? `cancelled job ${jobId} (${received})`
      : `interrupted (${received}); job ${jobId} had already ended: ${status}`,
  );
  return EXIT_ON_SIGNAL[received];
}
