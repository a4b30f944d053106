/**
 * Child process: our HTTP + socket.io server with the real SessionManager, NodePtyTerminalFactory
 * and terminal namespace, over a provider whose "node" is a local bash. Usage: oursServer.js <port>.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WarmPool, loadLabs } from '../../server/clusters/index.js';
import { packageRoot } from '../../server/config/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { startHttpServer } from '../../server/http/server.js';
import { ClientNodeProbes } from '../../server/kube/index.js';
import { createJsonLogger } from '../../server/log/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { SessionManager } from '../../server/sessions/index.js';
import { SqliteStore } from '../../server/store/index.js';
import { NodePtyTerminalFactory } from '../../server/terminal/index.js';
import { LocalShellProvider } from './localShellProvider.js';

const port = Number(process.argv[2] ?? 0);
const root = packageRoot();
const logger = createJsonLogger({ level: 'warn' });
const provider = new LocalShellProvider();
const { scenarios } = loadCatalog(join(root, 'scenarios'), { labsDir: join(root, 'labs') });
const labs = loadLabs(join(root, 'labs'));
const store = new SqliteStore(join(mkdtempSync(join(tmpdir(), 'cks-bench-db-')), 'bench.db'));
let n = 0;
const LIMIT = 2000;
const pool = new WarmPool({
  provider,
  store,
  labs,
  logger,
  capacity: LIMIT,
  maxConcurrentCreates: 16,
  newName: () => `cks-bench${(++n).toString(16).padStart(6, '0')}`,
  inUse: () => store.listSessions({ states: ['provisioning', 'ready'] }).length,
});
const sessions = new SessionManager({
  logger,
  store,
  provider,
  pool,
  catalog: new ScenarioCatalog(scenarios),
  labs,
  grader: new CheckEngine({ logger }),
  terminals: new NodePtyTerminalFactory({ logger, graceMs: 60_000, killTimeoutMs: 500 }),
  probesFor: (_cluster, kubeconfig) => new ClientNodeProbes({ kubeconfig, logger, nodeExec: () => provider.nodeExec() }),
  tokenKey: Buffer.alloc(32, 7),
  settings: {
    clusterPrefix: 'cks-',
    idleTimeoutMs: 3_600_000,
    reapIntervalMs: 3_600_000,
    terminalGraceMs: 60_000,
    // The host limits are configuration; the benchmark measures how many terminals the server can serve.
    maxActiveSessions: LIMIT,
    maxActiveSessionsPerLearner: LIMIT,
    setupTimeoutMs: 60_000,
  },
});
const server = await startHttpServer({ logger, catalog: new ScenarioCatalog(scenarios), sessions, store, webDir: join(root, 'web'), secureCookies: false }, { port, host: '127.0.0.1' });
process.stdout.write('BENCH_READY ' + JSON.stringify({ url: server.url, pid: process.pid }) + '\n');

const stop = (): void => {
  void server.close().finally(() => {
    pool.dispose();
    sessions.dispose();
    store.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
