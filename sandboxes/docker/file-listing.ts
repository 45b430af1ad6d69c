import { z } from 'zod';
import type { FileListing } from '../../core/index.ts';
import {
  checkListPath,
  MAX_LISTED_FILES,
  safeParseJson,
  SandboxCrashedError,
} from '../../core/index.ts';

// The driver's listing (a JSON file in its `file` frame): written next to the user's code,
// so its shape and cap are checked here before anything of it is returned.
const DriverListingSchema = z.strictObject({
  files: z
    .array(
      z.strictObject({
        path: z.string().min(1),
        sizeBytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      }),
    )
    .max(MAX_LISTED_FILES),
  truncated: z.boolean(),
});

/**
 * The driver's listing, checked: the shape and the cap, each path relative, under the listed
 * directory and listed once. Sorted here, whatever order it came in. A listing that breaks
 * any of that is SandboxCrashedError, as an oversized file is.
 */
export function parseListing({
  data,
  directory,
  maxBytes,
}: {
  data: string;
  directory: string;
  maxBytes: number;
}): FileListing {
  const invalid = (why: string): SandboxCrashedError =>
    new SandboxCrashedError({ message: `The sandbox sent an invalid file listing: ${why}` });
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > maxBytes) throw invalid(`more than ${maxBytes} bytes`);
  const json = safeParseJson(bytes.toString('utf8'));
  const listing = json.success ? DriverListingSchema.safeParse(json.value) : undefined;
  if (!listing?.success) throw invalid('not a listing of at most MAX_LISTED_FILES files');
  const prefix = directory === '' ? '' : `${directory}/`;
  const keyed = listing.data.files.map((file) => ({ file, key: Buffer.from(file.path, 'utf8') }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key)); // code point order
  for (const [index, { file }] of keyed.entries()) {
    if (!file.path.startsWith(prefix) || !isNormalPath(file.path))
      throw invalid(`${file.path} is not a path under ${directory || 'the working directory'}`);
    if (index > 0 && keyed[index - 1]?.file.path === file.path)
      throw invalid(`${file.path} is listed twice`);
  }
  return {
    files: keyed.map(({ file }) => ({ path: file.path, sizeBytes: file.sizeBytes })),
    truncated: listing.data.truncated,
  };
}

/** Relative, '/' separated, with no empty, '.' or '..' segment (what checkListPath returns). */
function isNormalPath(path: string): boolean {
  try {
    return checkListPath(path) === path;
  } catch {
    return false;
  }
}
