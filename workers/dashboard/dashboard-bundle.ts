import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// The browser app is TypeScript beside this file, bundled by esbuild in memory the first
// time the dashboard is asked for (about a second; nothing generated is kept in the repo, so
// a fresh clone serves it without a build step). See docs/decisions/2026-12-05-dashboard-stack.md.

export interface DashboardAssets {
  html: string;
  js: string;
  css: string;
}

/** The app's sources: beside this module, or in the repository when this runs from dist/. */
function appDir(): string {
  const beside = fileURLToPath(new URL('./app/', import.meta.url));
  if (existsSync(`${beside}main.ts`)) return beside;
  return fileURLToPath(new URL('../../../workers/dashboard/app/', import.meta.url));
}

export async function buildDashboard(): Promise<DashboardAssets> {
  const dir = appDir();
  const bundled = await build({
    entryPoints: [`${dir}main.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = bundled.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild wrote no dashboard bundle');
  const [html, css] = await Promise.all([
    readFile(`${dir}index.html`, 'utf8'),
    readFile(`${dir}app.css`, 'utf8'),
  ]);
  return { html, js, css };
}
