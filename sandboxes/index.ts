// lagent-ts/sandboxes: implementations of core's Sandbox contract. The Docker sandbox runs a
// Jupyter kernel per session in a hardened container (runc or gVisor); the JavaScript sandbox
// runs isolated-vm isolates on a thread pool in a child process.
export type {
  ContainerRuntime,
  DockerSandboxOptions,
  DockerSandboxProviderOptions,
  ResolvedDockerSandboxOptions,
  SandboxLimits,
  SeccompProfile,
} from './docker/index.ts';
export {
  ALLOWED_SYSCALLS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_INTERRUPT_GRACE_MS,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_NAME_PREFIX,
  DEFAULT_POOL_SIZE,
  DEFAULT_RESTART_GRACE_MS,
  DEFAULT_SANDBOX_LIMITS,
  DEFAULT_SANDBOX_USER,
  DEFAULT_START_TIMEOUT_MS,
  DockerSandbox,
  DockerSandboxProvider,
  IMAGE_REPOSITORY,
  OWNER_LABEL,
  SANDBOX_LABEL,
  SANDBOX_WORKDIR,
  SESSION_LABEL,
  baseImageTag,
  buildSandboxImage,
  removeOrphans,
  sandboxImageTag,
  sandboxRecipeDir,
  sandboxSeccompProfile,
  sanitizeText,
} from './docker/index.ts';
export type { HostFunction, JsLimits, JsSandboxProviderOptions } from './js/index.ts';
export {
  DEFAULT_JS_CPU_TIME_LIMIT_MS,
  DEFAULT_JS_FRESH_ISOLATES_PER_THREAD,
  DEFAULT_JS_ISOLATE_REUSE,
  DEFAULT_JS_LIMITS,
  DEFAULT_JS_MAX_OUTPUT_CHARS,
  DEFAULT_JS_MEMORY_LIMIT_MB,
  DEFAULT_JS_WALL_TIME_LIMIT_MS,
  JsSandbox,
  JsSandboxProvider,
  rewriteTopLevelAwait,
} from './js/index.ts';
