// The script every context runs first, inside the isolate. It evaluates to a function the
// host calls once with its references (host calls, output) and `env`; that function sets up
// `console`, `env` and `host.<name>()` for the user's code and returns the platform's own
// entry points (finish, setEnv), which live in its closure: nothing of the platform is left on
// the global object for user code to replace. Plain JavaScript in a string: no module system
// exists in there.
import { PRELUDE_DISPLAY } from './isolate-prelude-display.ts';
import { PRELUDE_INTRINSICS } from './isolate-prelude-intrinsics.ts';

/** Output streams as the prelude numbers them in its calls to the host's write function. */
export const PRELUDE_STDOUT = 0;
export const PRELUDE_STDERR = 1;
/** Not output: tells the host the cell's value is a promise the prelude now awaits. */
export const PRELUDE_AWAITING = 2;

/**
 * The one global the prelude leaves: non-writable and non-configurable (a cell cannot replace
 * it, and a `let` of that name is a SyntaxError), so a cell's source can call `finish`.
 */
export const PRELUDE_GLOBAL = '__lagent';

/** What `finish` (through its promise, for async cells) gives the host. */
export interface PreludeFinished {
  ok: boolean;
  text?: string;
  json?: string;
  truncated?: boolean;
  error?: { name: string; value: string; traceback: string };
}

export function preludeSource({
  maxOutputChars,
  hostFunctionNames,
  allowWasm,
  allowSharedArrayBuffer,
}: {
  maxOutputChars: number;
  hostFunctionNames: readonly string[];
  allowWasm: boolean;
  allowSharedArrayBuffer: boolean;
}): string {
  return `(function lagentPrelude(hostCall, hostWrite, envInit) {
  'use strict';
  const g = globalThis;
  const limit = ${String(maxOutputChars)};
${PRELUDE_INTRINSICS}
${PRELUDE_DISPLAY}
  ${allowWasm ? '' : 'delete g.WebAssembly;'}
  // Atomics.wait would block the isolate's thread past every limit but the wall clock.
  if (g.Atomics) delete g.Atomics.wait;
  ${
    allowSharedArrayBuffer
      ? ''
      : `// Shared memory and its timer (waitAsync) only when the owner allows them.
  delete g.SharedArrayBuffer;
  if (g.Atomics) delete g.Atomics.waitAsync;`
  }

  const RefApplySync = hostWrite.applySync;
  const RefApply = hostCall.apply;
  const HOST_CALL_OPTIONS = ObjectFreeze({ __proto__: null, result: ObjectFreeze({ __proto__: null, promise: true, copy: true }) });
  const define = (object, key, value) =>
    ReflectDefineProperty(object, key, { __proto__: null, value, writable: true, enumerable: false, configurable: true });

  // Console output goes to the host at once (so it survives a stop that disposes the
  // isolate); the host keeps it up to the cap and answers whether it takes more. Past the
  // cap lines are not even formatted, until \`finish\` (called after every run) opens again.
  let more = true;
  function write(stream, args) {
    if (!more) return;
    const budget = newBudget();
    let line = '';
    for (let index = 0; index < args.length; index += 1) {
      const arg = args[index];
      line += (index ? ' ' : '') + (typeof arg === 'string' ? cap(arg) : show(arg, 1, null, budget));
    }
    more = ReflectApply(RefApplySync, hostWrite, [undefined, [stream, cap(line) + '\\n']]) === true;
  }
  const console = {};
  for (const name of ['log', 'info', 'debug', 'trace']) console[name] = (...args) => write(${PRELUDE_STDOUT}, args);
  for (const name of ['error', 'warn']) console[name] = (...args) => write(${PRELUDE_STDERR}, args);
  console.dir = (value) => write(${PRELUDE_STDOUT}, [value]);
  console.table = console.log;
  define(g, 'console', ObjectFreeze(console));

  function setEnv(values) {
    const env = {};
    const keys = ReflectOwnKeys(values);
    for (let index = 0; index < keys.length; index += 1) {
      const key = keys[index];
      ReflectDefineProperty(env, key, { __proto__: null, value: values[key], writable: false, enumerable: true, configurable: false });
    }
    // Refused (false) when the code made \`env\` non-configurable: then it keeps its own.
    define(g, 'env', ObjectFreeze(env));
  }
  setEnv(envInit);

  const host = {};
  for (const name of ${JSON.stringify(hostFunctionNames)}) {
    // Arguments and results cross as JSON text: no object of the host ever reaches the code.
    // (A computed key names the function after the host function.)
    host[name] = { [name]: async (...args) => {
      const argsJson = JSONStringify(args);
      const replyJson = await ReflectApply(RefApply, hostCall, [undefined, [name, argsJson === undefined ? '[]' : argsJson], HOST_CALL_OPTIONS]);
      const reply = JSONParse(replyJson);
      if (reply.ok === true) return reply.value;
      const error = new ErrorCtor(typeof reply.message === 'string' ? reply.message : 'the host function failed');
      define(error, 'name', 'HostFunctionError');
      throw error;
    } }[name];
  }
  define(g, 'host', ObjectFreeze(host));

  // The cell's value for the host: its text, its JSON when it has one within the cap, or the
  // error; built from null-prototype objects (so no Object.prototype.then makes it a thenable).
  function settle(value) {
    if (value === undefined) return { __proto__: null, ok: true };
    try {
      const budget = newBudget();
      const text = show(value, 1, null, budget);
      const type = typeof value;
      let json;
      let tooLarge = false;
      if (type !== 'function' && type !== 'symbol' && type !== 'bigint') {
        let size = 0;
        // Counted while it is written, so a huge value stops early instead of filling the heap.
        const measure = (key, item) => {
          size += typeof item === 'string' ? item.length + 2 : 8;
          if (size > limit) throw NONE;
          return item;
        };
        try {
          json = JSONStringify(value, measure);
        } catch (error) {
          tooLarge = error === NONE;
          json = undefined;
        }
        if (typeof json !== 'string' || json.length > limit) json = undefined;
      }
      return { __proto__: null, ok: true, text, json, truncated: budget.cut || tooLarge };
    } catch (error) {
      const reason = describe(error);
      return {
        __proto__: null,
        ok: false,
        error: {
          __proto__: null,
          name: 'ResultError',
          value: 'the value of the last expression could not be displayed: ' + reason.name + (reason.value ? ': ' + reason.value : ''),
          traceback: reason.traceback,
        },
      };
    }
  }
  const failed = (error) => ({ __proto__: null, ok: false, error: describe(error) });
  async function settleLater(value) {
    let settled;
    try {
      settled = await value;
    } catch (error) {
      return failed(error);
    }
    return settle(settled);
  }
  // A thenable value (async code) is awaited here, so the host makes one call for any cell.
  // The host calls it after every run that did not dispose the isolate (with no value when
  // the run failed), so the next run's output is taken again.
  function finish(value) {
    more = true;
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return settle(value);
    let then;
    try {
      then = value.then;
    } catch (error) {
      return failed(error);
    }
    if (typeof then !== 'function') return settle(value);
    // From here the host polls the isolate's CPU clock: isolated-vm's timeout no longer applies.
    ReflectApply(RefApplySync, hostWrite, [undefined, [${PRELUDE_AWAITING}, null]]);
    return settleLater(value);
  }
  ReflectDefineProperty(g, '${PRELUDE_GLOBAL}', {
    __proto__: null,
    value: ObjectFreeze({ __proto__: null, finish }),
    writable: false,
    enumerable: false,
    configurable: false,
  });
  return ObjectFreeze({ __proto__: null, finish, setEnv });
})`;
}
