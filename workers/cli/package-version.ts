import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { safeParseJson } from '../../core/index.ts';

const PACKAGE_NAME = 'lagent-ts';

/**
 * This package's version, from its package.json: found by walking up from this file, which
 * sits at a different depth in the sources (workers/cli) and in the build (dist/workers/cli).
 */
export function readPackageVersion(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const parsed = safeParseJson(readFileSync(join(dir, 'package.json'), 'utf8'));
      const manifest = parsed.success
        ? (parsed.value as { name?: unknown; version?: unknown })
        : {};
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string')
        return manifest.version;
    } catch {
      // No package.json here: look further up.
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
