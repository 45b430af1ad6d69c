export type {
  ContainerRuntime,
  KernelStart,
  DockerSandboxOptions,
  ResolvedDockerSandboxOptions,
  SandboxLimits,
} from './docker-sandbox-options.ts';
export {
  DEFAULT_INTERRUPT_GRACE_MS,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_IMAGE_BYTES,
  DEFAULT_MAX_IMAGE_PIXELS,
  DEFAULT_MAX_IMAGE_SIDE_PIXELS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_RESULTS,
  DEFAULT_RESTART_GRACE_MS,
  DEFAULT_SANDBOX_LIMITS,
  DEFAULT_SANDBOX_USER,
  DEFAULT_START_TIMEOUT_MS,
  SANDBOX_WORKDIR,
} from './docker-sandbox-options.ts';
export type { DockerSandboxProviderOptions } from './docker-sandbox-provider.ts';
export {
  DEFAULT_FRESH_CPUS,
  DEFAULT_FRESH_PRELOAD,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_NAME_PREFIX,
  DEFAULT_ORPHAN_SWEEP_INTERVAL_MS,
  DEFAULT_POOL_SIZE,
  DockerSandboxProvider,
} from './docker-sandbox-provider.ts';
export { DockerSandbox } from './docker-sandbox.ts';
export {
  DEFAULT_FRESH_CONTAINERS,
  DEFAULT_FRESH_MAX_RUNS,
  FRESH_ANSWER_GRACE_MS,
} from './fresh-pool.ts';
export type { SeccompProfile } from './seccomp-profile.ts';
export { ALLOWED_SYSCALLS, sandboxSeccompProfile } from './seccomp-profile.ts';
export type { SandboxMount } from './sandbox-mounts.ts';
export {
  DEFAULT_MOUNT_READ_ONLY,
  RESERVED_MOUNT_PREFIXES,
  RESERVED_MOUNT_TARGETS,
} from './sandbox-mounts.ts';
export { OWNER_LABEL, SANDBOX_LABEL, SESSION_LABEL } from './container-spec.ts';
export { removeOrphans } from './orphans.ts';
export {
  baseImageTag,
  buildSandboxImage,
  IMAGE_REPOSITORY,
  sandboxImageTag,
  sandboxRecipeDir,
} from './sandbox-image.ts';
export { sanitizeText } from '../shared/output-sanitizer.ts';
