import { randomUUID } from 'node:crypto';
import Dockerode from 'dockerode';
import type {
  CreateSandboxOptions,
  Execution,
  FreshRunOptions,
  SandboxInfo,
  SandboxProvider,
} from '../../core/index.ts';
import {
  InvalidArgumentError,
  SandboxLimitError,
  SandboxUnavailableError,
} from '../../core/index.ts';
import type { ContainerHandle } from './container-launcher.ts';
import { launchContainer } from './container-launcher.ts';
import type { ContainerMode } from './container-spec.ts';
import type { SandboxEngine } from './sandbox-engine.ts';
import { DockerSandbox } from './docker-sandbox.ts';
import type {
  DockerSandboxOptions,
  ResolvedDockerSandboxOptions,
} from './docker-sandbox-options.ts';
import { resolveDockerSandboxOptions } from './docker-sandbox-options.ts';
import { FreshPool } from './fresh-pool.ts';
import { OomWatcher } from './oom-watcher.ts';
import { ownerId, removeOrphans, removeOwnedContainers } from './orphans.ts';
import { validateMounts } from './sandbox-mounts.ts';
import { imageExists, sandboxImageTag } from './sandbox-image.ts';
import { WarmPool } from './warm-pool.ts';

export const DEFAULT_POOL_SIZE = 2;
export const DEFAULT_MAX_SESSIONS = 32;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_NAME_PREFIX = 'lagent-sandbox';
export const DEFAULT_ORPHAN_SWEEP_INTERVAL_MS = 60_000;
export const DEFAULT_FRESH_CPUS = 1;
/** The image's common modules: what a notebook-style run expects to find imported. */
export const DEFAULT_FRESH_PRELOAD: readonly string[] = Object.freeze([
  'numpy',
  'pandas',
  'matplotlib.pyplot',
]);
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export interface DockerSandboxProviderOptions extends DockerSandboxOptions {
  /** The engine. @default new Dockerode() (DOCKER_HOST is honoured: unix, tcp or ssh) */
  docker?: Dockerode;
  /** Ready containers kept waiting for a session. @default DEFAULT_POOL_SIZE */
  poolSize?: number;
  /** Open sessions at most; one more is a SandboxLimitError. @default DEFAULT_MAX_SESSIONS */
  maxSessions?: number;
  /** A session unused this long is closed. 0 keeps sessions forever. @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number;
  /** Container names start with this (tests use a unique one). @default DEFAULT_NAME_PREFIX */
  namePrefix?: string;
  /** Remove this host's sandbox containers whose owner process is dead, at start. @default true */
  removeOrphans?: boolean;
  /**
   * Then sweep them (of this `namePrefix`) this often, for owners that die while this
   * provider runs; 0 never does. @default DEFAULT_ORPHAN_SWEEP_INTERVAL_MS
   */
  orphanSweepIntervalMs?: number;
  /** Close every sandbox on SIGINT / SIGTERM, then let the signal do its work. @default true */
  handleExitSignals?: boolean;
  /** Called with errors of background work (pool refills, orphan sweeps). @default ignored */
  onError?: (error: unknown) => void;
  /** Fork-server containers for `runFresh`, each serving one run at a time. @default DEFAULT_FRESH_CONTAINERS */
  freshContainers?: number;
  /** Runs a fork-server container serves before it is replaced. @default DEFAULT_FRESH_MAX_RUNS */
  freshMaxRuns?: number;
  /**
   * CPU quota of a fork-server container, in cores: it runs one run at a time and forks the
   * next one between runs. @default DEFAULT_FRESH_CPUS
   */
  freshCpus?: number;
  /**
   * Modules the fork server imports once, so every fresh run starts with them imported. Each
   * costs every run some time (a larger process to fork); an evaluation of standard-library
   * programs runs fastest with none. @default DEFAULT_FRESH_PRELOAD
   */
  freshPreload?: readonly string[];
}

type ProviderSettings = Required<
  Pick<
    DockerSandboxProviderOptions,
    'maxSessions' | 'idleTimeoutMs' | 'namePrefix' | 'orphanSweepIntervalMs' | 'onError'
  >
>;

/**
 * Docker sandboxes: one container with a Jupyter kernel per session, hardened by default,
 * with a warm pool, a session cap, idle reclaim and orphan clean-up.
 */
export class DockerSandboxProvider implements SandboxProvider {
  readonly docker: Dockerode;
  readonly options: ResolvedDockerSandboxOptions;
  readonly owner = ownerId(randomUUID().slice(0, 8));
  readonly #sessions = new Set<DockerSandbox>();
  #starting = 0;
  readonly #pool: WarmPool;
  readonly #oom: OomWatcher;
  readonly #settings: ProviderSettings;
  readonly #reaper: NodeJS.Timeout | undefined;
  readonly #onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  readonly #fresh: FreshPool;
  #sweepTimer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  private constructor({
    docker,
    options,
    oom,
    settings,
  }: {
    docker: Dockerode;
    options: DockerSandboxProviderOptions;
    oom: OomWatcher;
    settings: ProviderSettings;
  }) {
    this.docker = docker;
    this.options = resolveDockerSandboxOptions(options, options.image ?? sandboxImageTag());
    this.#oom = oom;
    this.#settings = settings;
    this.#pool = new WarmPool({
      size: options.poolSize ?? DEFAULT_POOL_SIZE,
      launch: () => this.#launch(undefined),
      onError: settings.onError,
    });
    const preload = options.freshPreload ?? DEFAULT_FRESH_PRELOAD;
    const badModule = preload.find((name) => !MODULE_NAME.test(name));
    if (badModule !== undefined)
      throw new InvalidArgumentError({
        message: `freshPreload: ${JSON.stringify(badModule)} is not a module name`,
      });
    const freshOptions = {
      ...this.options,
      cpus: options.freshCpus ?? DEFAULT_FRESH_CPUS,
      envs: { ...this.options.envs, LAGENT_FRESH_PRELOAD: preload.join(',') },
    };
    this.#fresh = new FreshPool({
      launch: (signal) => this.#launch(undefined, signal, 'fresh', freshOptions),
      options: this.options,
      ...(options.freshContainers === undefined ? {} : { size: options.freshContainers }),
      ...(options.freshMaxRuns === undefined ? {} : { maxRunsPerContainer: options.freshMaxRuns }),
      onError: settings.onError,
    });
    this.#scheduleSweep();
    if (settings.idleTimeoutMs > 0) {
      this.#reaper = setInterval(
        () => void this.#reapIdle(),
        Math.min(30_000, Math.max(250, settings.idleTimeoutMs / 4)),
      );
      this.#reaper.unref();
    }
    if (options.handleExitSignals ?? true) {
      this.#onSignal = (signal) => void this.#closeOnSignal(signal);
      process.once('SIGINT', this.#onSignal);
      process.once('SIGTERM', this.#onSignal);
    }
  }

  /**
   * Checks the mounts, the engine and the image, removes orphans, starts watching for OOM
   * events and starts filling the pool. Throws InvalidArgumentError for a refused mount, and
   * SandboxUnavailableError when the engine or image is missing.
   */
  static async start(options: DockerSandboxProviderOptions = {}): Promise<DockerSandboxProvider> {
    // A copy, so what was checked is what is mounted.
    const mounts = (options.mounts ?? []).map((mount) => ({ ...mount }));
    await validateMounts(mounts);
    const docker = options.docker ?? new Dockerode();
    try {
      await docker.ping();
    } catch (error) {
      throw new SandboxUnavailableError({
        message: `The Docker engine does not answer: ${String(error)}`,
        cause: error,
      });
    }
    const image = options.image ?? sandboxImageTag();
    if (!(await imageExists(docker, image))) {
      throw new SandboxUnavailableError({
        message: `Image ${image} is missing: run \`npm run build:image\``,
      });
    }
    if (options.removeOrphans ?? true) {
      await removeOrphans({ docker, namePrefix: options.namePrefix ?? DEFAULT_NAME_PREFIX });
    }
    const oom = await OomWatcher.start({ docker });
    return new DockerSandboxProvider({
      docker,
      options: { ...options, mounts },
      oom,
      settings: {
        maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
        idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
        namePrefix: options.namePrefix ?? DEFAULT_NAME_PREFIX,
        orphanSweepIntervalMs: options.orphanSweepIntervalMs ?? DEFAULT_ORPHAN_SWEEP_INTERVAL_MS,
        onError: options.onError ?? (() => undefined),
      },
    });
  }

  /** Waits until the warm pool is full. */
  async warmUp({ timeoutMs }: { timeoutMs?: number } = {}): Promise<void> {
    await this.#pool.filled(timeoutMs === undefined ? {} : { timeoutMs });
  }

  /** A session: a pooled container if one is ready, else a new one. */
  async create({ sessionId, signal }: CreateSandboxOptions = {}): Promise<DockerSandbox> {
    this.#assertOpen();
    if (this.#sessions.size + this.#starting >= this.#settings.maxSessions) {
      throw new SandboxLimitError({
        message: `All ${this.#settings.maxSessions} sandbox sessions are in use (maxSessions)`,
      });
    }
    this.#starting += 1; // holds the slot while the container starts
    try {
      const handle = await this.#acquire({ sessionId, signal });
      const sandbox = new DockerSandbox({ engine: this.#engine(), handle, sessionId });
      this.#sessions.add(sandbox);
      // Closed while this one was starting: it goes too.
      if (this.#closed) await sandbox.close();
      return sandbox;
    } finally {
      this.#starting -= 1;
    }
  }

  /**
   * Runs code on fresh state in a fork-server container (started at the first run, or by
   * `warmUpFresh`): a new process of a pristine interpreter per run, swept after it.
   */
  async runFresh(options: FreshRunOptions): Promise<Execution> {
    this.#assertOpen();
    return this.#fresh.run(options);
  }

  /** Starts every fork-server container now. */
  async warmUpFresh({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#fresh.warmUp(signal);
  }

  /** Fork-server containers running. */
  get freshContainers(): number {
    return this.#fresh.containers;
  }

  list(): SandboxInfo[] {
    return [...this.#sessions].map((sandbox) => ({
      id: sandbox.id,
      sessionId: sandbox.sessionId,
      createdAt: sandbox.createdAt,
      busy: sandbox.busy,
    }));
  }

  /** Ready containers in the warm pool. */
  get pooled(): number {
    return this.#pool.available;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#reaper);
    clearTimeout(this.#sweepTimer);
    if (this.#onSignal) {
      process.removeListener('SIGINT', this.#onSignal);
      process.removeListener('SIGTERM', this.#onSignal);
    }
    await Promise.all([
      this.#pool.close(),
      this.#fresh.close(),
      ...[...this.#sessions].map((sandbox) => sandbox.close()),
      this.#sweeping,
    ]);
    this.#oom.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #engine(): SandboxEngine {
    return {
      options: this.options,
      acquireContainer: (options) => this.#acquire(options),
      wasOutOfMemory: (options) => this.#oom.outOfMemorySince(options),
      released: (sandbox) => this.#sessions.delete(sandbox),
    };
  }

  async #acquire({
    sessionId,
    signal,
  }: {
    sessionId: string | undefined;
    signal?: AbortSignal | undefined;
  }): Promise<ContainerHandle> {
    return this.#pool.take() ?? (await this.#launch(sessionId, signal));
  }

  #launch(
    sessionId: string | undefined,
    signal?: AbortSignal,
    mode: ContainerMode = 'kernel',
    options: ResolvedDockerSandboxOptions = this.options,
  ): Promise<ContainerHandle> {
    return launchContainer({
      mode,
      docker: this.docker,
      options,
      owner: this.owner,
      namePrefix: this.#settings.namePrefix,
      sessionId,
      signal,
    });
  }

  /** The next orphan sweep, a full interval after the last one ended: runs never overlap. */
  #scheduleSweep(): void {
    const intervalMs = this.#settings.orphanSweepIntervalMs;
    if (this.#closed || !(intervalMs > 0)) return;
    this.#sweepTimer = setTimeout(() => {
      this.#sweeping = this.#sweepOrphans().catch(() => undefined);
    }, intervalMs);
    this.#sweepTimer.unref();
  }

  async #sweepOrphans(): Promise<void> {
    try {
      await removeOrphans({ docker: this.docker, namePrefix: this.#settings.namePrefix });
    } catch (error) {
      this.#settings.onError(error);
    } finally {
      this.#sweeping = undefined;
      this.#scheduleSweep();
    }
  }

  async #reapIdle(): Promise<void> {
    const now = Date.now();
    const idle = [...this.#sessions].filter(
      (sandbox) => !sandbox.busy && now - sandbox.lastUsedAt > this.#settings.idleTimeoutMs,
    );
    await Promise.all(idle.map((sandbox) => sandbox.close()));
  }

  async #closeOnSignal(signal: NodeJS.Signals): Promise<void> {
    const deadline = setTimeout(() => process.kill(process.pid, signal), 10_000);
    try {
      await this.close();
      await removeOwnedContainers({ docker: this.docker, owner: this.owner });
    } finally {
      clearTimeout(deadline);
      // Our listener is gone: re-raising lets the default action (or other handlers) run.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    }
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new SandboxUnavailableError({ message: 'The sandbox provider is closed' });
  }
}
