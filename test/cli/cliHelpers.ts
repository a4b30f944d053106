/** Running the `cks-lab` CLI from tests: in-process through main() with captured io, or as the real bin. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { main } from '../../server/cli/main.js';
import { ROOT } from '../helpers/testServer.js';

export { ROOT };

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `cks-lab …argv` in-process, stdout/stderr captured. */
export async function runCli(argv: string[], opts: { env: NodeJS.ProcessEnv; isTty?: boolean }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    env: opts.env,
    isTty: opts.isTty ?? false,
  });
  return { code, stdout, stderr };
}

/**
 * The CLI could not do its job: exit 2, nothing on stdout, exactly one `cks-lab: …` line on
 * stderr and no stack trace. Returns that line.
 */
export function assertOneLineError(r: CliRun, pattern: RegExp): string {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.split('\n');
  assert.equal(lines.at(-1), '', 'stderr ends with a newline');
  assert.equal(lines.length, 2, `exactly one line on stderr, got:\n${r.stderr}`);
  const line = lines[0] as string;
  assert.match(line, /^cks-lab: \S/);
  assert.doesNotMatch(line, /^\s+at |\n\s+at |Error: |unexpected error/, 'no stack trace or internal error');
  assert.match(line, pattern);
  return line;
}

/** ANSI escape sequences (colours, cursor movement). */
export const ANSI = /\x1b\[[0-9;]*[A-Za-z]/;

/** A fresh empty temp directory. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An environment whose PATH has no `kind` anywhere on it (the fakes' dir and any real kind removed). */
export function envWithoutKind(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = (base.PATH ?? '').split(delimiter).filter((d) => d && !existsSync(join(d, 'kind')));
  return { ...base, PATH: dirs.join(delimiter) };
}

/** The first server/**.ts file whose compiled dist/ twin is missing or older, or null. */
function staleFile(): string | null {
  const walk = (dir: string): string | null => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        const s = walk(p);
        if (s) return s;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const js = join(ROOT, 'dist', relative(ROOT, p)).replace(/\.ts$/, '.js');
        if (!existsSync(js) || statSync(js).mtimeMs < statSync(p).mtimeMs) return relative(ROOT, p);
      }
    }
    return null;
  };
  return walk(join(ROOT, 'server'));
}

/** bin/cks-lab.js runs dist/: recompile with tsc when a server source is newer than its output. */
export async function ensureBuilt(): Promise<void> {
  if (staleFile() === null) return;
  const out = await new Promise<string>((resolve) => {
    // tsc emits even when some unrelated file has a type error; staleness is re-checked below.
    execFile('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, timeout: 180_000 }, (_e, stdout, stderr) => resolve(stdout + stderr));
  });
  const still = staleFile();
  assert.equal(still, null, `dist/ is still older than ${still} after tsc:\n${out}`);
}

/** `node bin/cks-lab.js …argv` as a real child process: its real exit code and output. */
export function runBin(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'cks-lab.js'), ...argv], { cwd: tempDir('cks-bin-cwd-'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === null) reject(new Error(`cks-lab.js was killed by ${signal}; stderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}
