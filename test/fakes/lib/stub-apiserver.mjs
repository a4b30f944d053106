#!/usr/bin/env node
// Minimal stand-in for test/fakes/kube-apiserver (used when that is absent or FAKE_KIND_APISERVER=stub):
// plain HTTP on 127.0.0.1, bearer token, /version, health endpoints, empty API discovery.
// Contract: --cluster <name> --dir <clusterDir>; writes <dir>/apiserver.json = {port,pid,token}.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const arg = (flag) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const cluster = arg('--cluster') ?? 'kind';
const dir = arg('--dir') ?? process.cwd();
const token = crypto.randomBytes(16).toString('hex');

const status = (code, reason, message) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

const server = http.createServer((req, res) => {
  const send = (code, body) => {
    res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const url = new URL(req.url ?? '/', 'http://x');
  if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) return send(200, 'ok');
  // kubectl does not send bearer tokens over plain http://, so no header = trusted local client;
  // a wrong token is still rejected.
  const auth = req.headers.authorization;
  if (auth !== undefined && auth !== `Bearer ${token}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
  if (url.pathname === '/version') {
    return send(200, { major: '1', minor: '34', gitVersion: 'v1.34.0', platform: 'linux/amd64', goVersion: 'go1.24.6', compiler: 'gc' });
  }
  if (url.pathname === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (url.pathname === '/apis') return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  if (url.pathname === '/api/v1') return send(200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
  return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const file = path.join(dir, 'apiserver.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify({ port, pid: process.pid, token }));
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(`stub kube-apiserver for ${cluster} listening on 127.0.0.1:${port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
