/**
 * The fake kind/docker/API world of the tests (test/fakes), loaded at run time: the bench is
 * compiled to dist/ and the fakes stay where they are (plain .mjs, the API server under tsx).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../server/config/index.js';

export const ROOT = packageRoot();

interface EnvModule {
  fakeEnv(opts: { phaseDelayMs?: number; apiserver?: string; extra?: Record<string, string> }): NodeJS.ProcessEnv & { CKS_FAKE_HOME: string; PATH: string };
  cleanupFakeClusters(env: NodeJS.ProcessEnv): Promise<string[]>;
}

export interface FakeWorld {
  env: NodeJS.ProcessEnv & { CKS_FAKE_HOME: string; PATH: string };
  /** File where bench/fakes/kind logs every kind call: "<verb> <noun> <startNs> <endNs> <rc>". */
  kindLog: string;
  cleanup(): Promise<void>;
}

/** A fake world whose `kind` is timed by bench/fakes/kind; `apiLatencyMs` slows every API request. */
export async function fakeWorld(opts: { phaseDelayMs: number; apiLatencyMs?: number; extra?: Record<string, string> }): Promise<FakeWorld> {
  const mod = (await import(pathToFileURL(join(ROOT, 'test/fakes/lib/env.mjs')).href)) as EnvModule;
  const apiserver = opts.apiLatencyMs ? join(ROOT, 'bench/fakes/apiserver-latency.mjs') : 'real';
  const env = mod.fakeEnv({ phaseDelayMs: opts.phaseDelayMs, apiserver, extra: { BENCH_API_LATENCY_MS: String(opts.apiLatencyMs ?? 0), ...opts.extra } });
  const shimDir = mkdtempSync(join(tmpdir(), 'cks-bench-kind-'));
  mkdirSync(shimDir, { recursive: true });
  const kindLog = join(shimDir, 'kind.log');
  env.BENCH_REAL_KIND = join(ROOT, 'test/fakes/bin/kind');
  env.BENCH_KIND_LOG = kindLog;
  env.PATH = `${join(ROOT, 'bench/fakes')}${delimiter}${env.PATH}`;
  return {
    env,
    kindLog,
    async cleanup() {
      await mod.cleanupFakeClusters(env).catch(() => undefined);
      rmSync(env.CKS_FAKE_HOME, { recursive: true, force: true });
      rmSync(shimDir, { recursive: true, force: true });
    },
  };
}
