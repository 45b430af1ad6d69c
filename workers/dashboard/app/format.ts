/** 1.2 s, 340 ms, 3 min 5 s, 2 h 4 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function clock(epochMs: number | null | undefined): string {
  return epochMs ? new Date(epochMs).toLocaleTimeString() : '—';
}

/** IPython's coloured tracebacks, as plain text. */
export function withoutAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}

export function rate(perSecond: number | null | undefined): string {
  return perSecond === null || perSecond === undefined ? '—' : `${perSecond.toFixed(2)}/s`;
}
