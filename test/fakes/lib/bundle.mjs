// The fakes' processes as single JavaScript files, built once and reused by every start.
//
// Every fake cluster starts test/fakes/kube-apiserver/main.ts as a process: through tsx each start
// loads the TypeScript loader and ~110 modules (about 0.45 s of CPU); the bundle starts in half that.
// Every node command of a test is a fake `docker exec` (bin/docker), a new node process that loaded
// ~30 modules and the `yaml` package (CommonJS, so node lexed it for its exports on each start); as
// one file with `yaml` inside it starts in about half the CPU. It is rebuilt (by esbuild, which tsx itself uses) whenever any
// file it was built from is newer than it, so an edited fake is never run stale. Concurrent starts
// may both build; each writes a temp file and renames it over the bundle, so a reader never sees a
// half-written one. Any failure to build falls back to running the source through tsx.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './paths.mjs';

// Inside the checkout (not node_modules, which a second checkout may share through a symlink): the
// bundles hold this checkout's absolute paths.
// Spelled out in pieces: this file is itself inside the CLI bundles, and the literal text would be
// rewritten there like any other use.
const META_URL = ['import', 'meta', 'url'].join('.');

const CACHE_DIR = path.join(PROJECT_ROOT, 'test', 'fakes', '.cache');

/** Newest mtime (ms) of the files in `inputs` (relative to the project root); Infinity if one is gone. */
function newestInput(inputs) {
  let newest = 0;
  for (const f of inputs) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(PROJECT_ROOT, f)).mtimeMs);
    } catch {
      return Infinity;
    }
  }
  return newest;
}

/** True when `out` exists and is newer than every file it was built from. */
function fresh(out, inputsFile) {
  try {
    const built = fs.statSync(out).mtimeMs;
    const inputs = JSON.parse(fs.readFileSync(inputsFile, 'utf8'));
    return Array.isArray(inputs) && inputs.length > 0 && newestInput(inputs) < built;
  } catch {
    return false;
  }
}

/**
 * The path of a current bundle of `entry` (an absolute .ts path), building it when needed; null when
 * it cannot be built (the caller runs the source through tsx). Packages stay external (resolved
 * from the project's node_modules, next to the bundle); `import.meta.url` in each bundled file is
 * its own source file's URL, so files it reads beside itself are found as when run from source.
 */
export async function bundled(entry, { inlinePackages = false } = {}) {
  const name = path.relative(path.join(PROJECT_ROOT, 'test', 'fakes'), entry).replace(/[\\/]/g, '_').replace(/\.m?[jt]s$/, '');
  const out = path.join(CACHE_DIR, `${name}.mjs`);
  const inputsFile = path.join(CACHE_DIR, `${name}.inputs.json`);
  if (fresh(out, inputsFile)) return out;
  try {
    const { build } = await import('esbuild');
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp.mjs`;
    const result = await build({
      entryPoints: [entry],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages inlined too for the short-lived CLIs (esbuild itself stays outside: a native binary).
      ...(inlinePackages ? { external: ['esbuild'] } : { packages: 'external' }),
      // CommonJS packages inside an ES module bundle still require() node's built-ins.
      banner: { js: `import { createRequire as __cksRequire } from 'node:module'; const require = __cksRequire(${META_URL});` },
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: PROJECT_ROOT,
      plugins: [
        {
          name: 'own-import-meta-url',
          setup(b) {
            b.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, async (args) => {
              const source = await fs.promises.readFile(args.path, 'utf8');
              const contents = source.replaceAll(META_URL, JSON.stringify(pathToFileURL(args.path).href));
              return { contents, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
            });
          },
        },
      ],
    });
    // This file too: a change to how bundles are built rebuilds them.
    const inputs = [...Object.keys(result.metafile.inputs), path.relative(PROJECT_ROOT, fileURLToPath(import.meta.url))];
    fs.writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(inputs));
    fs.renameSync(tmp, out);
    fs.renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
    return out;
  } catch (e) {
    // The source runs instead; the reason is kept beside the bundles (printing it would change the fake's output).
    try {
      fs.writeFileSync(path.join(CACHE_DIR, `${name}.error.txt`), String(e?.message ?? e));
    } catch {
      // no cache directory: nothing to keep it in
    }
    return null;
  }
}

/**
 * Runs a fake CLI's entry (a file in test/fakes/lib that does its work at import) from its bundle,
 * packages included; from the source when no bundle can be built.
 */
export async function runBundled(entryName) {
  const entry = path.join(PROJECT_ROOT, 'test', 'fakes', 'lib', entryName);
  const js = process.env.FAKE_BUNDLE === '0' ? null : await bundled(entry, { inlinePackages: true });
  await import(pathToFileURL(js ?? entry).href);
}
