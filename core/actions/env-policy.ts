import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import { RequestLimitError } from '../errors/request-limit-error.ts';
import { utf8ByteLength } from '../internal/json-bounds.ts';

// Which environment variables a request may set for its code (`envs` of a run-code job,
// `Sandbox.runCode` and `Sandbox.setEnvs`). The user's code can still set anything in its
// own process; what is refused here is the request channel changing how the platform's
// processes start. The Docker sandbox's driver keeps `setEnvs` variables and starts every
// later kernel (after a restart, a timeout, a crash) with them, and that kernel finds the
// platform's IPython extension through PYTHONPATH, its profile through IPYTHONDIR and its
// figure backend through MPLBACKEND: a request overriding these (or preloading a library)
// would break the session's next kernel start in ways reported as platform failures.

/** Variables one request may set. */
export const MAX_ENV_COUNT = 64;
/** Length of a variable's name. */
export const MAX_ENV_NAME_LENGTH = 128;
/**
 * UTF-8 bytes of one variable's value: well under Linux's 128 KiB per environment string
 * (MAX_ARG_STRLEN), past which the next kernel could not even be started.
 */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;
/** UTF-8 bytes of all names and values of one request. */
export const MAX_ENV_BYTES = 256 * 1024;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Refused by name (case-sensitive, as the programs reading them are). Why each:
 * - LD_*, DYLD_*, GCONV_PATH, GETCONF_DIR, GLIBC_TUNABLES, HOSTALIASES, LOCALDOMAIN, LOCPATH,
 *   MALLOC_*, NIS_PATH, NLSPATH, RESOLV_HOST_CONF, RES_OPTIONS: the dynamic loader's and
 *   glibc's start-up variables (glibc's own "unsecure" list, minus TMPDIR and TZDIR): they
 *   load libraries or data files into every process started, or tune its allocator.
 * - PYTHON*: the interpreter's start-up (PYTHONPATH, PYTHONHOME, PYTHONSTARTUP, PYTHONINSPECT,
 *   PYTHONUSERBASE, PYTHONWARNINGS and PYTHONBREAKPOINT import modules, PYTHONIOENCODING
 *   changes the kernel's channels); the image sets PYTHONPATH for the kernel extension.
 * - IPYTHONDIR, JUPYTER_*, JPY_*, MPLBACKEND, MPLCONFIGDIR, PYDEVD_*, HOME, LAGENT_*: set by the
 *   sandbox image for the kernel, its profile (start-up scripts run from it), its figures
 *   and the driver.
 * - NODE_OPTIONS, NODE_PATH: Node's preload and module path.
 * - BASH_ENV, ENV, BASHOPTS, SHELLOPTS, PS4, PROMPT_COMMAND, IFS: run code in, or change
 *   parsing of, every shell the code or a library starts.
 */
export const DENIED_ENV_NAMES: ReadonlySet<string> = new Set([
  'GCONV_PATH',
  'GETCONF_DIR',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  'LOCALDOMAIN',
  'LOCPATH',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'IPYTHONDIR',
  'MPLBACKEND',
  'MPLCONFIGDIR',
  'HOME',
  'NODE_OPTIONS',
  'NODE_PATH',
  'BASH_ENV',
  'ENV',
  'BASHOPTS',
  'SHELLOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'IFS',
]);

/** Refused by prefix; see DENIED_ENV_NAMES for why. */
export const DENIED_ENV_PREFIXES: readonly string[] = [
  'LD_',
  'DYLD_',
  'MALLOC_',
  'PYTHON',
  'JUPYTER_',
  'JPY_',
  'PYDEVD_',
  'LAGENT_',
];

/** True when a request may not set this variable (its name is in the deny list). */
export function isDeniedEnvName(name: string): boolean {
  return (
    DENIED_ENV_NAMES.has(name) || DENIED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

function shown(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}

/**
 * Checks the variables a request sets for its code: InvalidArgumentError for a name that
 * is not a valid variable name, is on the deny list, or a value holding NUL; RequestLimitError
 * for too many variables or too many bytes. The same check for jobs, sandboxes and tools.
 */
export function checkEnvs(envs: Readonly<Record<string, unknown>>): void {
  let count = 0;
  let bytes = 0;
  for (const name in envs) {
    if (!Object.hasOwn(envs, name)) continue;
    count += 1;
    if (count > MAX_ENV_COUNT) {
      throw new RequestLimitError({
        limit: 'maxEnvCount',
        max: MAX_ENV_COUNT,
        message: `envs sets more than ${MAX_ENV_COUNT} variables`,
      });
    }
    if (name.length > MAX_ENV_NAME_LENGTH || !ENV_NAME.test(name)) {
      throw new InvalidArgumentError({
        message: `envs: ${shown(name)} is not a valid variable name: use letters, digits and _ (not first a digit), at most ${MAX_ENV_NAME_LENGTH}`,
      });
    }
    if (isDeniedEnvName(name)) {
      throw new InvalidArgumentError({
        message: `envs: ${name} may not be set by a request: it changes how the interpreter or its libraries start (set it from the code, or in the sandbox options)`,
      });
    }
    const value = envs[name];
    if (typeof value !== 'string') {
      throw new InvalidArgumentError({ message: `envs: the value of ${name} must be a string` });
    }
    if (value.includes('\0')) {
      throw new InvalidArgumentError({
        message: `envs: the value of ${name} holds a NUL character`,
      });
    }
    const valueBytes = utf8ByteLength(value, MAX_ENV_VALUE_BYTES);
    bytes += name.length + valueBytes;
    if (valueBytes > MAX_ENV_VALUE_BYTES || bytes > MAX_ENV_BYTES) {
      throw new RequestLimitError({
        limit: 'maxEnvBytes',
        max: valueBytes > MAX_ENV_VALUE_BYTES ? MAX_ENV_VALUE_BYTES : MAX_ENV_BYTES,
        message:
          valueBytes > MAX_ENV_VALUE_BYTES
            ? `envs: the value of ${name} is larger than ${MAX_ENV_VALUE_BYTES / 1024} KiB`
            : `envs: the variables are larger than ${MAX_ENV_BYTES / 1024} KiB in all`,
      });
    }
  }
}
