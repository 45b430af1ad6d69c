import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import type { ResolvedDockerSandboxOptions } from './docker-sandbox-options.ts';
import { SANDBOX_WORKDIR } from './docker-sandbox-options.ts';
import { bindMounts } from './sandbox-mounts.ts';
import { sandboxSeccompProfile } from './seccomp-profile.ts';

const MB = 1024 * 1024;
// Host threads gVisor's sentry may use besides the sandbox's own processes.
const RUNSC_HOST_THREADS = 512;

/** Labels that mark a container as a sandbox of this project, and who owns it. */
export const SANDBOX_LABEL = 'lagent-ts.sandbox';
export const OWNER_LABEL = 'lagent-ts.owner';
export const SESSION_LABEL = 'lagent-ts.session';

/**
 * gVisor's own tmpfs ignores `nr_inodes`: empty files, which cost no `size`, would only be
 * bounded by the sandbox's memory. So under runsc /tmp and the work directory are anonymous
 * volumes of Docker's local driver, each a tmpfs mounted by the host kernel (which keeps
 * `size` and `nr_inodes`: a full one answers ENOSPC) and reached through gVisor's gofer. Their
 * pages and inodes are charged to the container's memory cgroup, as under runc, and the
 * engine removes the volumes with the container (AutoRemove; `remove({ v: true })`).
 */
function hostTmpfsVolume([target, tmpfs]: [string, string]): MountSettings {
  return {
    Type: 'volume',
    Source: '', // anonymous: removed with its container
    Target: target,
    VolumeOptions: {
      NoCopy: true,
      Labels: { [SANDBOX_LABEL]: '1' },
      DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: tmpfs } },
    },
  };
}

/** What a container runs: a Jupyter kernel for a session, or the fork server of fresh runs. */
export type ContainerMode = 'kernel' | 'fresh';

/** The channel relay: holds the host channel as root and runs the driver as the sandbox user. */
export const SANDBOX_ENTRYPOINT = [
  'python3',
  '-I',
  '-Xfrozen_modules=off',
  '/opt/lagent/driver/channel_relay.py',
];

/**
 * The container: the channel relay as its process (PID 1, which also reaps zombies), stdin
 * open for the host's commands and closed when the host goes away, so a container whose
 * owner died stops by itself and is removed.
 *
 * The relay starts as root with three capabilities (SETUID and SETGID to start the driver as
 * `options.user`, SETPCAP to empty the bounding set first) and drops them all once the driver
 * runs; so the host channel belongs to a root process that the user's code, running as
 * `options.user`, can neither open through /proc, nor signal, nor read, under runc and gVisor
 * alike. No process in the container keeps a capability (docker-init, which would keep them,
 * is not used).
 */
export function containerSpec({
  name,
  options,
  owner,
  sessionId,
  mode = 'kernel',
}: {
  name: string;
  options: ResolvedDockerSandboxOptions;
  owner: string;
  sessionId?: string | undefined;
  /** 'fresh': the fork server of fresh-state runs instead of the kernel driver. */
  mode?: ContainerMode;
}): ContainerCreateOptions {
  const uid = options.user.split(':')[0] ?? '1000';
  const gid = options.user.split(':')[1] ?? uid;
  const tmpfsOptions = (sizeMb: number, mode: string) =>
    `nosuid,nodev,noexec,size=${sizeMb}m,nr_inodes=${options.tmpfsInodes},mode=${mode},uid=${uid},gid=${gid}`;
  const scratch = {
    '/tmp': tmpfsOptions(options.tmpSizeMb, '1777'),
    [SANDBOX_WORKDIR]: tmpfsOptions(options.workdirSizeMb, '0755'),
  };
  const seccomp =
    options.seccomp === 'engine-default'
      ? []
      : [
          `seccomp=${JSON.stringify(options.seccomp === 'strict' ? sandboxSeccompProfile({ runtime: options.runtime }) : options.seccomp)}`,
        ];
  return {
    name,
    Image: options.image,
    User: '0:0',
    Entrypoint: SANDBOX_ENTRYPOINT,
    WorkingDir: SANDBOX_WORKDIR,
    Env: [
      ...Object.entries(options.envs).map(([key, value]) => `${key}=${value}`),
      // The kernel stops publishing displays past it (the driver and the host cap anyway).
      `LAGENT_MAX_RESULTS=${options.maxResults}`,
      `LAGENT_USER=${uid}:${gid}`,
      `LAGENT_KERNEL_START=${options.kernelStart}`,
      `LAGENT_MODE=${mode}`,
    ],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: options.network === 'none',
    Labels: {
      ...options.labels,
      [SANDBOX_LABEL]: '1',
      [OWNER_LABEL]: owner,
      ...(sessionId === undefined ? {} : { [SESSION_LABEL]: sessionId }),
    },
    HostConfig: {
      AutoRemove: true,
      Init: false,
      Runtime: options.runtime,
      NetworkMode: options.network,
      ReadonlyRootfs: options.readOnlyRoot,
      // noexec: a binary the code drops cannot be run; code runs through the interpreter.
      // Under runc, tmpfs mounts of the host kernel, whose nr_inodes holds.
      ...(options.runtime === 'runsc'
        ? {}
        : {
            Tmpfs: Object.fromEntries(
              Object.entries(scratch).map(([path, tmpfs]) => [path, `rw,${tmpfs}`]),
            ),
          }),
      // No nosuid/nodev on bind mounts: no-new-privileges makes setuid bits inert, and with
      // every capability dropped (and the devices cgroup under runc) a device node opens nothing.
      Mounts: [
        ...(options.runtime === 'runsc' ? Object.entries(scratch).map(hostTmpfsVolume) : []),
        ...bindMounts(options.mounts),
      ],
      CapDrop: ['ALL'],
      CapAdd: ['SETUID', 'SETGID', 'SETPCAP'],
      SecurityOpt: ['no-new-privileges:true', ...seccomp],
      Memory: options.memoryMb * MB,
      MemorySwap: options.memoryMb * MB,
      NanoCpus: Math.round(options.cpus * 1e9),
      // gVisor runs the sandbox's processes inside its own kernel, so the pids cgroup counts
      // only the sentry's host threads (it needs about a hundred); RLIMIT_NPROC, which gVisor
      // enforces per sandbox, limits the code's processes. Under runc RLIMIT_NPROC would be
      // shared by every container of the same uid, so the pids cgroup does the job there.
      PidsLimit:
        options.runtime === 'runsc' ? RUNSC_HOST_THREADS + options.pidsLimit : options.pidsLimit,
      Ulimits: [
        ...(options.runtime === 'runsc'
          ? [{ Name: 'nproc', Soft: options.pidsLimit, Hard: options.pidsLimit }]
          : []),
        { Name: 'nofile', Soft: options.openFiles, Hard: options.openFiles },
        { Name: 'fsize', Soft: options.fileSizeMb * MB, Hard: options.fileSizeMb * MB },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // Nothing the sandbox writes may grow a file on the host: no log of its output is kept.
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
      ShmSize: 16 * MB,
    },
  };
}
