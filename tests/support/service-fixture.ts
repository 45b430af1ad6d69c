import type { Action } from '../../core/index.ts';
import { parseJson } from '../../core/index.ts';
import type { RedisJobClientOptions } from '../../workers/queue/redis-job-client.ts';
import type { CreateServiceOptions, RunningService } from '../../workers/service/service.ts';
import { startService } from '../../workers/service/service.ts';
import type { BackendMode, TestJobs } from './job-backend-fixture.ts';
import { startTestJobs } from './job-backend-fixture.ts';

export interface TestService {
  setup: TestJobs;
  service: RunningService;
  url: string;
  close(): Promise<void>;
}

/** The service on 127.0.0.1 (any free port), in front of a test job backend. */
export async function startTestService({
  mode,
  extraTools = [],
  client = {},
  withWorker = true,
  service = {},
}: {
  mode: BackendMode;
  extraTools?: readonly Action[];
  client?: Omit<RedisJobClientOptions, 'queueName'>;
  withWorker?: boolean;
  service?: Omit<CreateServiceOptions, 'jobs'>;
}): Promise<TestService> {
  const setup = await startTestJobs({ mode, extraTools, client, withWorker });
  try {
    const running = await startService({
      jobs: setup.jobs,
      host: '127.0.0.1',
      port: 0,
      ...service,
    });
    return {
      setup,
      service: running,
      url: running.url,
      close: async () => {
        try {
          await running.close();
        } finally {
          await setup.close();
        }
      },
    };
  } catch (error) {
    await setup.close();
    throw error;
  }
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: unknown;
}

/** One request to the service; the body is sent as JSON unless it is already a string. */
export async function call({
  url,
  method = 'GET',
  path,
  body,
  headers = {},
  signal,
}: {
  url: string;
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}): Promise<ApiAnswer> {
  const response = await fetch(url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = parseJson(text);
  } catch {
    // not JSON: the text is the body
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface SseEvent {
  id: number;
  type: string;
  data: Record<string, unknown>;
}

/**
 * Reads a job's event stream until `stopWhen` says so (then drops the connection, as a
 * client that goes away would) or until the server ends it.
 */
export async function readEvents({
  url,
  jobId,
  lastEventId,
  headers = {},
  stopWhen = () => false,
  post,
  path,
}: {
  url: string;
  /** The job whose events route is read (unless `post` says otherwise). */
  jobId?: string;
  lastEventId?: number;
  headers?: Record<string, string>;
  stopWhen?: (events: readonly SseEvent[]) => boolean;
  /** A POST that answers with a stream (`/v1/run-code` asked for events) instead. */
  post?: { path: string; body: unknown };
  /** Another stream to GET instead (e.g. `/v1/workers/events`). */
  path?: string;
}): Promise<{ events: SseEvent[]; endedByServer: boolean; headers: Headers }> {
  const controller = new AbortController();
  const target = post ? url + post.path : path ? url + path : `${url}/v1/jobs/${jobId}/events`;
  const response = await fetch(target, {
    ...(post ? { method: 'POST', body: JSON.stringify(post.body) } : {}),
    headers: {
      ...(post ? { 'content-type': 'application/json', accept: 'text/event-stream' } : {}),
      ...headers,
      ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
    },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
  }
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { events, endedByServer: true, headers: response.headers };
      buffered += decoder.decode(value, { stream: true });
      let boundary = buffered.indexOf('\n\n');
      while (boundary >= 0) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        boundary = buffered.indexOf('\n\n');
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((line) => line !== '' && !line.startsWith(':'))
            .map((line) => {
              const colon = line.indexOf(':');
              return [line.slice(0, colon), line.slice(colon + 1).trimStart()];
            }),
        );
        if (fields['data'] === undefined) continue;
        events.push({
          id: Number(fields['id']),
          type: String(fields['event']),
          data: parseJson(fields['data']) as Record<string, unknown>,
        });
        if (stopWhen(events)) return { events, endedByServer: false, headers: response.headers };
      }
    }
  } finally {
    controller.abort();
    await reader.cancel().catch(() => undefined);
  }
}
