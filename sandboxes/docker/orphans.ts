import { hostname } from 'node:os';
import type Dockerode from 'dockerode';
import { OWNER_LABEL, SANDBOX_LABEL } from './container-spec.ts';

/** `host/pid/nonce`: who started a sandbox container. */
export function ownerId(nonce: string): string {
  return `${hostname()}/${process.pid}/${nonce}`;
}

function ownerIsDead(owner: string): boolean {
  const [host, pidText] = owner.split('/');
  if (host !== hostname()) return false; // another machine's: not ours to judge
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Removes sandbox containers whose owning process on this host is gone. Containers stop by
 * themselves when their owner's attach stream closes; this catches what is left (a
 * container that was never attached, or an engine that missed the hang-up).
 */
export async function removeOrphans({
  docker,
  namePrefix,
}: {
  docker: Dockerode;
  /** Only containers named `<namePrefix>-…`: a provider sweeps its own family. */
  namePrefix?: string;
}): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [SANDBOX_LABEL] },
  });
  const named = (info: (typeof containers)[number]) =>
    namePrefix === undefined ||
    info.Names.some((name) => name.replace(/^\//, '').startsWith(`${namePrefix}-`));
  const orphans = containers.filter(
    (info) => named(info) && ownerIsDead(info.Labels[OWNER_LABEL] ?? ''),
  );
  await Promise.all(
    orphans.map((info) =>
      docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  return orphans.map((info) => (info.Names[0] ?? info.Id).replace(/^\//, ''));
}

/** Removes every sandbox container this process owns (used on exit signals). */
export async function removeOwnedContainers({
  docker,
  owner,
}: {
  docker: Dockerode;
  owner: string;
}): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${OWNER_LABEL}=${owner}`] },
  });
  await Promise.all(
    containers.map((info) =>
      docker
        .getContainer(info.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}
