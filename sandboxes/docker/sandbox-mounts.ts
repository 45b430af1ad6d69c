import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { MountSettings } from 'dockerode';
import { InvalidArgumentError } from '../../core/index.ts';
import { SANDBOX_WORKDIR } from './docker-sandbox-options.ts';

/** A host directory or file bound into every sandbox container of a provider. */
export interface SandboxMount {
  /** Absolute path on the engine's host (checked on this host, so use a local engine). */
  source: string;
  /** Absolute path in the container. */
  target: string;
  /** @default DEFAULT_MOUNT_READ_ONLY */
  readOnly?: boolean;
}

/** Mounts are read-only unless they say otherwise: the code in a sandbox is untrusted. */
export const DEFAULT_MOUNT_READ_ONLY = true;

/**
 * Container paths a mount may not replace or go inside: the system, the driver and kernel
 * extension (/opt/lagent), and the runtime's own mounts. `/lib*` covers lib32, lib64, libx32.
 */
export const RESERVED_MOUNT_PREFIXES: readonly string[] = Object.freeze([
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/usr',
  '/bin',
  '/sbin',
  '/lib*',
  '/boot',
  '/root',
  '/run',
  '/var',
  '/opt',
]);

/** Container paths a mount may not be, though it may go inside them (their own tmpfs). */
export const RESERVED_MOUNT_TARGETS: readonly string[] = Object.freeze([
  '/',
  '/tmp',
  SANDBOX_WORKDIR,
]);

function isNormalAbsolute(path: string): boolean {
  return (
    posix.isAbsolute(path) && (path === '/' || posix.normalize(path).replace(/\/$/, '') === path)
  );
}

function reservedPrefix(target: string): string | undefined {
  const [, first = ''] = target.split('/');
  return RESERVED_MOUNT_PREFIXES.find((prefix) =>
    prefix.endsWith('*')
      ? first.startsWith(prefix.slice(1, -1))
      : target === prefix || target.startsWith(`${prefix}/`),
  );
}

async function sourceKind(source: string): Promise<'directory' | 'file' | 'other' | 'missing'> {
  try {
    const info = await stat(source);
    return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Checks `mounts` before any container starts; an InvalidArgumentError names the mount and
 * the rule it breaks. A source must be a directory or a regular file: a socket (the Docker
 * socket above all) or a device would give the code a way out even read-only.
 */
export async function validateMounts(mounts: readonly SandboxMount[]): Promise<void> {
  const targets = new Set<string>();
  for (const { source, target } of mounts) {
    const refuse = (why: string) => {
      throw new InvalidArgumentError({
        message: `Invalid sandbox mount ${source} -> ${target}: ${why}`,
      });
    };
    if (typeof source !== 'string' || !isNormalAbsolute(source))
      refuse('the source must be an absolute, normalised host path');
    if (typeof target !== 'string' || !isNormalAbsolute(target))
      refuse('the target must be an absolute, normalised container path');
    if (RESERVED_MOUNT_TARGETS.includes(target)) refuse(`the target may not be ${target} itself`);
    const prefix = reservedPrefix(target);
    if (prefix !== undefined) refuse(`the target is inside ${prefix}, which the sandbox needs`);
    if (targets.has(target)) refuse('another mount has the same target');
    targets.add(target);
    const kind = await sourceKind(source);
    if (kind === 'missing') refuse('the source does not exist on this host');
    if (kind === 'other') refuse('the source must be a directory or a regular file');
  }
}

/**
 * The engine's bind mounts. Non-recursive: mounts below the source on the host stay out, so
 * a read-only mount cannot expose a writable one (read-only is not recursive before Docker 25).
 */
export function bindMounts(mounts: readonly SandboxMount[]): MountSettings[] {
  return mounts.map(({ source, target, readOnly = DEFAULT_MOUNT_READ_ONLY }) => {
    const mount: MountSettings & { BindOptions: { NonRecursive: boolean } } = {
      Type: 'bind',
      Source: source,
      Target: target,
      ReadOnly: readOnly,
      BindOptions: { Propagation: 'rprivate', NonRecursive: true },
    };
    return mount;
  });
}
