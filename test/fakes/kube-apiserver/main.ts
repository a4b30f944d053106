/**
 * CLI: `node --import tsx test/fakes/kube-apiserver/main.ts --cluster <name> --dir <clusterDir> [--port 0]`.
 * Writes `<clusterDir>/apiserver.json` = {port, pid, token, url, httpsUrl, caData} (atomically) once
 * listening (also `<clusterDir>/kubeconfig`, HTTPS + token, usable by kubectl and client-node) and
 * runs until SIGTERM/SIGINT.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createJsonLogger } from '../../../server/log/index.js';
import { startFakeApiServer } from './server.js';

const { values } = parseArgs({
  options: {
    cluster: { type: 'string' },
    dir: { type: 'string' },
    port: { type: 'string', default: '0' },
    'latency-ms': { type: 'string' },
    'backoff-ms': { type: 'string' },
    workers: { type: 'string' },
  },
});
if (!values.cluster || !values.dir) {
  process.stderr.write('usage: main.ts --cluster <name> --dir <clusterDir> [--port 0] [--latency-ms N] [--backoff-ms N] [--workers name@ip,…]\n');
  process.exit(2);
}
const logger = createJsonLogger({ level: 'warn' });
mkdirSync(values.dir, { recursive: true });
const server = await startFakeApiServer({
  cluster: values.cluster,
  dir: values.dir,
  port: Number(values.port),
  logger,
  ...(values['latency-ms'] ? { latencyMs: Number(values['latency-ms']) } : {}),
  ...(values['backoff-ms'] ? { backoffMs: Number(values['backoff-ms']) } : {}),
  ...(values.workers ? { workers: values.workers.split(',').map((w) => ({ name: w.split('@')[0] ?? w, ip: w.split('@')[1] ?? '' })) } : {}),
});
writeFileSync(`${join(values.dir, 'kubeconfig')}.tmp`, server.kubeconfig());
renameSync(`${join(values.dir, 'kubeconfig')}.tmp`, join(values.dir, 'kubeconfig'));
const file = join(values.dir, 'apiserver.json');
const tmp = `${file}.${process.pid}.tmp`;
writeFileSync(tmp, JSON.stringify({ port: server.port, pid: process.pid, token: server.token, url: server.url, httpsUrl: server.httpsUrl, caData: Buffer.from(server.caPem).toString('base64'), ...(server.criPort ? { criPort: server.criPort } : {}) }));
renameSync(tmp, file);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
