import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js';
import { sanitizeText } from '../../sandboxes/index.ts';
import type { McpJobGateway } from './mcp-job-gateway.ts';

/** At most one progress notification this often; the last output always goes out. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 200;
/** A notification carries the tail of the output so far, this long at most. */
export const MAX_PROGRESS_MESSAGE_CHARS = 4_000;

/**
 * Sends MCP progress notifications for a job while it runs: each says how many pieces of
 * output have come (`progress`) and holds the output so far (its tail) as the message.
 * `stop` ends the following and waits for the last notification to go out.
 */
export function followProgress({
  gateway,
  jobId,
  progressToken,
  send,
  intervalMs = DEFAULT_PROGRESS_INTERVAL_MS,
}: {
  gateway: McpJobGateway;
  jobId: string;
  progressToken: string | number;
  send: (notification: ServerNotification) => Promise<void>;
  intervalMs?: number;
}): { stop: () => Promise<void> } {
  const controller = new AbortController();
  let output = '';
  let pieces = 0;
  let sentPieces = 0;
  let lastSentAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let sending = Promise.resolve();

  const flush = () => {
    timer = undefined;
    if (sentPieces === pieces) return;
    sentPieces = pieces;
    lastSentAt = Date.now();
    const message =
      output.length > MAX_PROGRESS_MESSAGE_CHARS
        ? output.slice(-MAX_PROGRESS_MESSAGE_CHARS)
        : output;
    sending = sending
      .then(() =>
        send({
          method: 'notifications/progress',
          params: { progressToken, progress: pieces, message: sanitizeText(message) },
        }),
      )
      .catch(() => undefined); // the client went away: nothing to tell
  };

  const following = (async () => {
    try {
      for await (const event of gateway.events({ jobId, signal: controller.signal })) {
        if (event.type !== 'stdout' && event.type !== 'stderr') continue;
        output = (output + event.text).slice(-MAX_PROGRESS_MESSAGE_CHARS * 2);
        pieces += 1;
        const wait = lastSentAt + intervalMs - Date.now();
        if (wait <= 0) flush();
        else timer ??= setTimeout(flush, wait);
      }
    } catch {
      // Events end when the job does or when stopped; a broken stream only costs progress.
    }
  })();

  return {
    stop: async () => {
      controller.abort();
      await following;
      clearTimeout(timer);
      flush();
      await sending;
    },
  };
}
