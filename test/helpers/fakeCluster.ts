import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger, type Logger } from '../../server/log/index.js';
import { clusterAdaptersFor } from '../../server/platform/index.js';
import { cleanupFakeClusters, fakeEnv } from '../fakes/lib/env.mjs';
import { clusterDir } from '../fakes/lib/paths.mjs';

/**
 * The real KindProvider and ClientNodeProbes wired to the fake `kind`/`docker` (first on PATH)
 * and the fake API server with its simulated kubelet. Same code path as production.
 */
export function fakeClusterWorld(opts: { phaseDelayMs?: number; extra?: Record<string, string>; logger?: Logger } = {}) {
  const env = fakeEnv({ apiserver: 'real', phaseDelayMs: opts.phaseDelayMs ?? 5, ...(opts.extra ? { extra: opts.extra } : {}) });
  const logger = opts.logger ?? createSilentLogger();
  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'cks-kc-'));
  const { provider, probesFor } = clusterAdaptersFor(env, logger, { kubeconfigDir, readyTimeoutMs: 30_000 });
  return {
    env,
    provider,
    probesFor,
    /** What a pty needs to reach the fakes (PATH and their state dir). */
    terminalEnv: { PATH: env.PATH, CKS_FAKE_HOME: env.CKS_FAKE_HOME },
    /** The last lines the cluster's fake kube-apiserver logged (to say why it went away in a failure). */
    apiserverLogTail(cluster: string, lines = 30): string {
      try {
        return readFileSync(join(clusterDir(cluster, env), 'apiserver.log'), 'utf8').split('\n').slice(-lines).join('\n');
      } catch (err) {
        return `(no API server log: ${(err as Error).message})`;
      }
    },
    async cleanup(): Promise<void> {
      await cleanupFakeClusters(env);
      // CKS_KEEP_FAKES=1 keeps the fakes' state (API server logs, node files) to look into a failure.
      if (process.env.CKS_KEEP_FAKES) return void process.stderr.write(`fakes kept in ${env.CKS_FAKE_HOME}\n`);
      rmSync(kubeconfigDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      // Processes of a cluster that was still being created may write for a moment longer.
      rmSync(env.CKS_FAKE_HOME, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
