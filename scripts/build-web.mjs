#!/usr/bin/env node
/**
 * Builds the browser UI: bundles web/main.ts (with xterm.js, socket.io-client, marked, DOMPurify)
 * into web/dist/app.js and copies the two style sheets next to it. The server serves web/dist/
 * at /assets/. Run by `npm run build` after tsc; `--watch` rebuilds on change.
 *
 * Source maps (app.js.map) are a development aid: written unless NODE_ENV=production (then a
 * stale one is removed). The server never serves them under NODE_ENV=production either.
 */
import { build, context } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'web', 'dist');
const require = createRequire(import.meta.url);
const production = process.env.NODE_ENV === 'production';

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: [join(root, 'web', 'main.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: production ? false : 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  tsconfig: join(root, 'web', 'tsconfig.json'),
};

async function copyStyles() {
  await mkdir(outDir, { recursive: true });
  await copyFile(require.resolve('@xterm/xterm/css/xterm.css'), join(outDir, 'xterm.css'));
  await copyFile(join(root, 'web', 'app.css'), join(outDir, 'app.css'));
}

await copyStyles();
if (production) await rm(join(outDir, 'app.js.map'), { force: true });
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
  process.stdout.write('build-web: watching web/ (app.css is copied at start only)\n');
} else {
  await build(options);
}
