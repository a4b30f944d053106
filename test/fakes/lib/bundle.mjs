// The fake kube-apiserver as one JavaScript file, built once and reused by every start.
//
// Every fake cluster and every kube-apiserver restart starts test/fakes/kube-apiserver/main.ts as a
// process. Through tsx each start loads the TypeScript loader and ~110 modules (about 0.45 s of CPU);
// the bundle starts in half that. It is rebuilt (by esbuild, which tsx itself uses) whenever any
// file it was built from is newer than it, so an edited fake is never run stale. Concurrent starts
// may both build; each writes a temp file and renames it over the bundle, so a reader never sees a
// half-written one. Any failure to build falls back to running the source through tsx.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from './paths.mjs';

const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'cks-fakes');

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
export async function bundled(entry) {
  const name = path.relative(path.join(PROJECT_ROOT, 'test', 'fakes'), entry).replace(/[\\/]/g, '_').replace(/\.ts$/, '');
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
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: PROJECT_ROOT,
      plugins: [
        {
          name: 'own-import-meta-url',
          setup(b) {
            b.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, async (args) => {
              const source = await fs.promises.readFile(args.path, 'utf8');
              const contents = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
              return { contents, loader: /\.m?ts$/.test(args.path) ? 'ts' : 'js' };
            });
          },
        },
      ],
    });
    const inputs = Object.keys(result.metafile.inputs);
    fs.writeFileSync(`${inputsFile}.${process.pid}.tmp`, JSON.stringify(inputs));
    fs.renameSync(tmp, out);
    fs.renameSync(`${inputsFile}.${process.pid}.tmp`, inputsFile);
    return out;
  } catch {
    return null;
  }
}
