import type { RunCodeOptions, ToolContext } from '../../core/index.ts';

/** runCode callbacks that forward a sandbox's output as tool events. */
export function streamTo(
  emit: ToolContext['emit'],
): Pick<RunCodeOptions, 'onStdout' | 'onStderr' | 'onResult'> {
  if (!emit) return {};
  return {
    onStdout: (output) => emit({ type: 'stdout', text: output.line }),
    onStderr: (output) => emit({ type: 'stderr', text: output.line }),
    onResult: (result) => emit({ type: 'result', result: { ...result } }),
  };
}
