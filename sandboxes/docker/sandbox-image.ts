import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type Dockerode from 'dockerode';

export const IMAGE_REPOSITORY = 'lagent-sandbox';
export const BASE_IMAGE_REPOSITORY = 'lagent-sandbox-base';
/** Debian release and mirrors the base image is built from. */
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRRORS = [
  'deb http://deb.debian.org/debian bookworm main',
  'deb http://deb.debian.org/debian bookworm-updates main',
  'deb http://deb.debian.org/debian-security bookworm-security main',
];
// Documentation, man pages and translations are not needed to run code: 1.3 GB → about 1.1 GB.
const DPKG_OPTIONS = [
  'path-exclude=/usr/share/doc/*',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
];

/** images/sandbox of this package, found upward from this file (works from source and dist/). */
export function sandboxRecipeDir(): string {
  let directory = import.meta.dirname;
  for (;;) {
    const candidate = join(directory, 'images', 'sandbox');
    if (existsSync(join(candidate, 'Dockerfile'))) return candidate;
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error('images/sandbox not found above ' + import.meta.dirname);
    directory = parent;
  }
}

function listFiles(directory: string): string[] {
  return readdirSync(directory)
    .flatMap((entry) => {
      const path = join(directory, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .filter((path) => !path.includes('__pycache__'))
    .sort();
}

function hashFiles(root: string, files: readonly string[], extra: readonly string[] = []): string {
  const hash = createHash('sha256');
  for (const item of extra) hash.update(`${item}\0`);
  for (const file of files)
    hash
      .update(`${relative(root, file)}\0`)
      .update(readFileSync(file))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

export function packageList(recipeDir: string): string[] {
  return readFileSync(join(recipeDir, 'packages.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** Base image tag: a hash of the package list, mirrors and dpkg options. */
export function baseImageTag(recipeDir = sandboxRecipeDir()): string {
  const tag = hashFiles(
    recipeDir,
    [join(recipeDir, 'packages.txt')],
    [DEBIAN_SUITE, ...DEBIAN_MIRRORS, ...DPKG_OPTIONS],
  );
  return `${BASE_IMAGE_REPOSITORY}:${tag}`;
}

/** The sandbox image tag for this version of the recipe: a hash of everything in images/sandbox. */
export function sandboxImageTag(recipeDir = sandboxRecipeDir()): string {
  return `${IMAGE_REPOSITORY}:${hashFiles(recipeDir, listFiles(recipeDir), [baseImageTag(recipeDir)])}`;
}

export async function imageExists(docker: Dockerode, tag: string): Promise<boolean> {
  return docker
    .getImage(tag)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

function run(
  command: string,
  args: readonly string[],
  { stdin, log }: { stdin?: Readable; log: (line: string) => void },
): { done: Promise<void>; stdout: Readable } {
  const child = spawn(command, args, {
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  if (stdin && child.stdin) stdin.pipe(child.stdin);
  child.stderr.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n'))
      if (line.trim()) log(`${command}: ${line.trim()}`);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
  return { done, stdout: child.stdout };
}

/**
 * Builds the sandbox image if this recipe's tag is missing: the base with mmdebstrap from
 * Debian's packages (no registry needed) imported into the engine, then the Dockerfile on top.
 * Needs root, mmdebstrap and the docker CLI on this machine. Returns the tag.
 */
export async function buildSandboxImage({
  docker,
  recipeDir = sandboxRecipeDir(),
  log = (line: string) => console.log(line),
}: {
  docker: Dockerode;
  recipeDir?: string;
  log?: (line: string) => void;
}): Promise<string> {
  const tag = sandboxImageTag(recipeDir);
  if (await imageExists(docker, tag)) {
    log(`sandbox image ${tag} is present`);
    return tag;
  }
  const base = baseImageTag(recipeDir);
  if (!(await imageExists(docker, base))) {
    log(`building ${base} with mmdebstrap from Debian's packages (a few minutes)`);
    const bootstrap = run(
      'mmdebstrap',
      [
        '--variant=minbase',
        `--include=${packageList(recipeDir).join(',')}`,
        ...DPKG_OPTIONS.map((option) => `--dpkgopt=${option}`),
        '--format=tar',
        DEBIAN_SUITE,
        '-',
        ...DEBIAN_MIRRORS,
      ],
      { log },
    );
    const load = run('docker', ['import', '-', base], { stdin: bootstrap.stdout, log });
    await Promise.all([bootstrap.done, load.done]);
  }
  log(`building ${tag}`);
  await run(
    'docker',
    ['build', '--quiet', '--build-arg', `BASE_IMAGE=${base}`, '--tag', tag, recipeDir],
    { log },
  ).done;
  return tag;
}
