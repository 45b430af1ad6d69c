// The script every context runs first, inside the isolate: a console that keeps output in a
// capped buffer (the host copies it out once per execution, so a print loop cannot flood the
// host), the display of the cell's value, `env`, and `host.<name>()` for functions the owner
// passed in deliberately. It is plain JavaScript in a string: no module system exists in there.

/** Names of the prelude's globals the host calls; user code sees them but cannot hurt the host. */
export const PRELUDE_FINISH = '__lagentFinish';
export const PRELUDE_DRAIN = '__lagentDrain';
export const PRELUDE_HOST_CALL = '__lagentHostCall';
export const PRELUDE_ENV = '__lagentEnv';
export const PRELUDE_AWAIT = '__lagentAwait';

export function preludeSource({
  maxOutputChars,
  hostFunctionNames,
  allowWasm,
}: {
  maxOutputChars: number;
  hostFunctionNames: readonly string[];
  allowWasm: boolean;
}): string {
  return `(() => {
  'use strict';
  const g = globalThis;
  const limit = ${String(maxOutputChars)};
  let out = { stdout: [], stderr: [], used: 0, truncated: false };
  ${allowWasm ? '' : 'delete g.WebAssembly;'}
  // Atomics.wait would block the isolate's thread past every limit but the wall clock.
  if (g.Atomics) delete g.Atomics.wait;

  const seen = new WeakSet();
  function show(value, depth) {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string': return JSON.stringify(value);
      case 'undefined': return 'undefined';
      case 'bigint': return String(value) + 'n';
      case 'symbol': return value.toString();
      case 'function': return '[Function: ' + (value.name || '(anonymous)') + ']';
      case 'object': break;
      default: return String(value);
    }
    if (value instanceof Error) return value.stack || String(value);
    if (seen.has(value)) return '[Circular]';
    if (depth > 3) return Array.isArray(value) ? '[Array]' : '[Object]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const items = value.slice(0, 100).map((item) => show(item, depth + 1));
        if (value.length > 100) items.push('... ' + (value.length - 100) + ' more items');
        return '[ ' + items.join(', ') + ' ]';
      }
      if (value instanceof Map) return 'Map(' + value.size + ') ' + show(Object.fromEntries(value), depth + 1);
      if (value instanceof Set) return 'Set(' + value.size + ') ' + show([...value], depth + 1);
      if (value instanceof Date) return value.toISOString();
      if (value instanceof RegExp) return String(value);
      if (typeof value.then === 'function') return 'Promise { <pending> }';
      const keys = Object.keys(value);
      const body = keys.slice(0, 100).map((key) => (/^[A-Za-z_$][\\w$]*$/.test(key) ? key : JSON.stringify(key)) + ': ' + show(value[key], depth + 1));
      const name = value.constructor && value.constructor !== Object && typeof value.constructor.name === 'string' ? value.constructor.name + ' ' : '';
      return body.length === 0 ? name + '{}' : name + '{ ' + body.join(', ') + ' }';
    } finally {
      seen.delete(value);
    }
  }
  function write(stream, args) {
    if (out.truncated) return;
    let line = args.map((arg) => (typeof arg === 'string' ? arg : show(arg, 1))).join(' ') + '\\n';
    if (out.used + line.length > limit) {
      line = line.slice(0, Math.max(0, limit - out.used));
      out.truncated = true;
    }
    out.used += line.length;
    if (line) out[stream].push(line);
  }
  const console = {};
  for (const name of ['log', 'info', 'debug', 'trace']) console[name] = (...args) => write('stdout', args);
  for (const name of ['error', 'warn']) console[name] = (...args) => write('stderr', args);
  console.dir = (value) => write('stdout', [show(value, 1)]);
  console.table = console.log;
  Object.defineProperty(g, 'console', { value: Object.freeze(console), writable: true, configurable: true });

  const envCopy = g.${PRELUDE_ENV};
  delete g.${PRELUDE_ENV};
  Object.defineProperty(g, 'env', { value: Object.freeze({ ...envCopy }), writable: true, configurable: true });

  const hostCall = g.${PRELUDE_HOST_CALL};
  delete g.${PRELUDE_HOST_CALL};
  const host = {};
  for (const name of ${JSON.stringify(hostFunctionNames)}) {
    // Arguments and results cross as JSON text: no object of the host ever reaches the code.
    host[name] = async (...args) => {
      const reply = JSON.parse(await hostCall.apply(undefined, [name, JSON.stringify(args) ?? '[]'], { result: { promise: true, copy: true } }));
      if (reply.ok) return reply.value;
      const error = new Error(reply.message);
      error.name = 'HostFunctionError';
      throw error;
    };
  }
  Object.defineProperty(g, 'host', { value: Object.freeze(host), writable: true, configurable: true });

  function drain() {
    const drained = { stdout: out.stdout, stderr: out.stderr, truncated: out.truncated };
    out = { stdout: [], stderr: [], used: 0, truncated: false };
    return drained;
  }
  function describe(error) {
    if (error instanceof Error) {
      return { name: String(error.name), value: String(error.message), traceback: String(error.stack || error) };
    }
    return { name: 'Uncaught', value: show(error, 1), traceback: 'Uncaught ' + show(error, 1) };
  }
  function settle(value) {
    let json;
    if (value !== undefined && typeof value !== 'function' && typeof value !== 'symbol') {
      try { json = JSON.stringify(value); } catch { json = undefined; }
    }
    return { ok: true, text: value === undefined ? undefined : show(value, 1), json, out: drain() };
  }
  // The cell's value, displayed; a thenable (async code) is kept and reported as pending, and
  // the host then awaits it (so a plain cell needs no asynchronous hop into the isolate).
  let pending;
  g.${PRELUDE_FINISH} = (value) => {
    if (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function') {
      pending = Promise.resolve(value).then(settle, (error) => ({ ok: false, error: describe(error), out: drain() }));
      return { pending: true };
    }
    return settle(value);
  };
  g.${PRELUDE_AWAIT} = () => {
    const result = pending;
    pending = undefined;
    return result;
  };
  g.${PRELUDE_DRAIN} = drain;
})();`;
}
