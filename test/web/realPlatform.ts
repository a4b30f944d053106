/**
 * The real platform (HTTP, socket.io, ptys, SQLite) on the fakes of kind/docker/API, and Chromium,
 * for one describe block: the web bundle is built and both are started before its tests, and
 * everything is closed and removed after them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { launchBrowser, type LaunchedBrowser } from './browser.js';

const run = promisify(execFile);

export interface RealPlatformInChromium {
  world: ReturnType<typeof fakeClusterWorld>;
  /** The platform's data directory (removed after the block). */
  dataDir: string;
  /** Set once the block's `before` ran. */
  platform: Platform;
  b: LaunchedBrowser;
  /** Put a file of the repository on a cluster's node, as a learner would paste it. */
  copyToNode(cluster: string, repoFile: string, nodePath: string): Promise<void>;
}

/**
 * Registers the block's before/after hooks; `env` is the platform's settings (CKS_*), `examMinuteMs`
 * the length of an exam minute (a short one makes a mock exam's clock run fast).
 */
export function realPlatformInChromium(opts: { dataDirPrefix: string; phaseDelayMs: number; env?: Record<string, string>; examMinuteMs?: number }): RealPlatformInChromium {
  const world = fakeClusterWorld({ phaseDelayMs: opts.phaseDelayMs });
  const t = {
    world,
    dataDir: mkdtempSync(join(tmpdir(), opts.dataDirPrefix)),
    async copyToNode(cluster: string, repoFile: string, nodePath: string): Promise<void> {
      await world.provider.nodeExec(cluster, ['bash', '-c', 'cat > "$1"', 'bash', nodePath], { input: readFileSync(join(ROOT, repoFile), 'utf8') });
    },
  } as RealPlatformInChromium;
  before(async () => {
    await run(process.execPath, ['scripts/build-web.mjs'], { cwd: ROOT });
    t.platform = await startPlatform(loadConfig({ port: '0', dataDir: t.dataDir }, opts.env ?? {}), createSilentLogger(), {
      env: world.env,
      terminalEnv: world.terminalEnv,
      ...(opts.examMinuteMs ? { examMinuteMs: opts.examMinuteMs } : {}),
    });
    t.b = await launchBrowser();
  });
  after(async () => {
    await t.b?.close();
    await t.platform?.close();
    await world.cleanup();
    rmSync(t.dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  });
  return t;
}
