import type { SandboxMount } from './sandbox-mounts.ts';
import type { SeccompProfile } from './seccomp-profile.ts';

/** Hardening and resource limits of one sandbox container. Every field has a default. */
export interface SandboxLimits {
  /** Memory limit, swap included. @default 512 */
  memoryMb: number;
  /**
   * CPU quota in cores (Docker's NanoCpus; 0 = none). Half a core by default: on a 2-core
   * host, a sandbox whose call left threads and processes spinning then slows another
   * session by at most about 1.2x even when the host is loaded (bench/neighbours.ts); with a
   * full core it was 1.5-1.8x under load. @default 0.5
   */
  cpus: number;
  /** Processes and threads. @default 128 */
  pidsLimit: number;
  /** Size of the /tmp tmpfs. @default 64 */
  tmpSizeMb: number;
  /** Size of the work directory tmpfs (/workspace). @default 256 */
  workdirSizeMb: number;
  /** Files and directories per tmpfs, so inodes run out before the host's do. @default 16384 */
  tmpfsInodes: number;
  /** Largest file a process may write (RLIMIT_FSIZE). @default 128 */
  fileSizeMb: number;
  /** Open files per process (RLIMIT_NOFILE). @default 1024 */
  openFiles: number;
}

export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  memoryMb: 512,
  cpus: 0.5,
  pidsLimit: 128,
  tmpSizeMb: 64,
  workdirSizeMb: 256,
  tmpfsInodes: 16_384,
  fileSizeMb: 128,
  openFiles: 1024,
});

export type ContainerRuntime = 'runc' | 'runsc';
export type KernelStart = 'fork' | 'spawn';

export interface DockerSandboxOptions extends Partial<SandboxLimits> {
  /** Image to run. @default the tag of this version's recipe (`sandboxImageTag()`) */
  image?: string;
  /** 'runsc' runs the container under gVisor. @default 'runc' */
  runtime?: ContainerRuntime;
  /**
   * Docker network. 'none' leaves only loopback; anything else is an explicit opt-in to
   * network access. @default 'none'
   */
  network?: string;
  /** @default true */
  readOnlyRoot?: boolean;
  /** uid:gid of the sandbox processes. @default '1000:1000' */
  user?: string;
  /** 'strict' is this project's profile; 'engine-default' the engine's own. @default 'strict' */
  seccomp?: 'strict' | 'engine-default' | SeccompProfile;
  /** Output kept per execution (stdout, stderr and results together). @default 1_000_000 */
  maxOutputBytes?: number;
  /**
   * Rich outputs (`display()` calls) kept per execution; past it they are dropped and one
   * stderr line says how many, with `truncated: true`. The cell's own value is kept besides.
   * @default 100
   */
  maxResults?: number;
  /**
   * Largest image (PNG or JPEG) by pixels, read from its header; a larger one, or one whose
   * header cannot be read, is replaced by a notice in the result's `text`. @default 25_000_000
   */
  maxImagePixels?: number;
  /** Longest side of an image, in pixels; as `maxImagePixels`. @default 16_384 */
  maxImageSidePixels?: number;
  /** Largest image, decoded; as `maxImagePixels`. @default 500_000 */
  maxImageBytes?: number;
  /** Largest file `readFile` / `writeFile` move. @default 32 MB */
  maxFileBytes?: number;
  /** After an interrupt, how long the code has to stop before the kernel is restarted. @default 2_000 */
  interruptGraceMs?: number;
  /** How long a kernel restart may take before the container is killed. @default 20_000 */
  restartGraceMs?: number;
  /** How long a new container may take to report a ready kernel. @default 60_000 */
  startTimeoutMs?: number;
  /**
   * How the driver starts a kernel: 'fork' forks it from the driver, which imported
   * ipykernel once (a restart: ~0.3 s under runc, ~1.6 s under gVisor; gVisor's idle session
   * holds ~40 MB more); 'spawn' starts a new interpreter each time (~1.5 s and 6-8 s).
   * @default 'fork'
   */
  kernelStart?: KernelStart;
  /** Extra container labels. */
  labels?: Readonly<Record<string, string>>;
  /** Environment variables of every session. */
  envs?: Readonly<Record<string, string>>;
  /**
   * Host paths bound into every container, read-only unless `readOnly: false`. Checked by
   * `DockerSandboxProvider.start` (InvalidArgumentError). @default []
   */
  mounts?: readonly SandboxMount[];
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1_000_000;
export const DEFAULT_MAX_RESULTS = 100;
export const DEFAULT_MAX_IMAGE_PIXELS = 25_000_000;
export const DEFAULT_MAX_IMAGE_SIDE_PIXELS = 16_384;
// Half the default output budget (two thirds of it as base64): room is left for the rest.
export const DEFAULT_MAX_IMAGE_BYTES = 500_000;
export const DEFAULT_MAX_FILE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_INTERRUPT_GRACE_MS = 2_000;
export const DEFAULT_RESTART_GRACE_MS = 20_000;
export const DEFAULT_START_TIMEOUT_MS = 60_000;
export const DEFAULT_SANDBOX_USER = '1000:1000';
export const SANDBOX_WORKDIR = '/workspace';

export type ResolvedDockerSandboxOptions = SandboxLimits &
  Required<Omit<DockerSandboxOptions, keyof SandboxLimits | 'labels' | 'envs'>> & {
    labels: Readonly<Record<string, string>>;
    envs: Readonly<Record<string, string>>;
  };

/** The caps on what one execution may return, as the collector and the driver apply them. */
export type OutputLimits = Pick<
  ResolvedDockerSandboxOptions,
  'maxOutputBytes' | 'maxResults' | 'maxImagePixels' | 'maxImageSidePixels' | 'maxImageBytes'
>;

export function outputLimits(options: OutputLimits): OutputLimits {
  const { maxOutputBytes, maxResults, maxImagePixels, maxImageSidePixels, maxImageBytes } = options;
  return { maxOutputBytes, maxResults, maxImagePixels, maxImageSidePixels, maxImageBytes };
}

export function resolveDockerSandboxOptions(
  options: DockerSandboxOptions,
  defaultImage: string,
): ResolvedDockerSandboxOptions {
  const limits: Record<string, number> = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(DEFAULT_SANDBOX_LIMITS) as (keyof SandboxLimits)[]) {
    const value = options[key];
    if (value !== undefined) limits[key] = value;
  }
  return {
    ...(limits as unknown as SandboxLimits),
    image: options.image ?? defaultImage,
    runtime: options.runtime ?? 'runc',
    network: options.network ?? 'none',
    readOnlyRoot: options.readOnlyRoot ?? true,
    user: options.user ?? DEFAULT_SANDBOX_USER,
    seccomp: options.seccomp ?? 'strict',
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    maxResults: options.maxResults ?? DEFAULT_MAX_RESULTS,
    maxImagePixels: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    maxImageSidePixels: options.maxImageSidePixels ?? DEFAULT_MAX_IMAGE_SIDE_PIXELS,
    maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    interruptGraceMs: options.interruptGraceMs ?? DEFAULT_INTERRUPT_GRACE_MS,
    restartGraceMs: options.restartGraceMs ?? DEFAULT_RESTART_GRACE_MS,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    kernelStart: options.kernelStart ?? 'fork',
    labels: options.labels ?? {},
    envs: options.envs ?? {},
    mounts: options.mounts ?? [],
  };
}
