/**
 * A tiny Kubernetes API stand-in for ClientNodeProbes tests: discovery for v1, a few objects,
 * a 500 for namespace `broken`, and the exec subresource over WebSocket (channel protocol v4).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface TinyApi {
  url: string;
  kubeconfig: string;
  requests: string[];
  close(): Promise<void>;
}

const discovery = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'v1',
  resources: [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'] },
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'] },
    { name: 'nodes', singularName: 'node', namespaced: false, kind: 'Node', verbs: ['get', 'list'] },
  ],
};

const running = (name: string, containers: string[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'sandbox', creationTimestamp: '2025-01-02T03:04:05Z' },
  spec: { runtimeClassName: 'gvisor', containers: containers.map((c) => ({ name: c, image: 'busybox' })), futureField: { kept: true } },
  status: { phase: 'Running', containerStatuses: containers.map((c) => ({ name: c, state: { running: {} } })) },
});

const objects: Record<string, unknown> = {
  '/api/v1/namespaces/sandbox/pods/untrusted': running('untrusted', ['app', 'sidecar']),
  '/api/v1/namespaces/sandbox/pods/pending': { ...running('pending', ['app']), status: { phase: 'Pending' } },
  '/api/v1/namespaces/sandbox': { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sandbox' } },
  '/api/v1/nodes': {
    apiVersion: 'v1',
    kind: 'NodeList',
    items: [
      { metadata: { name: 'lab-control-plane' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      { metadata: { name: 'lab-worker' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } },
    ],
  },
};

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code };
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/api/v1') return send(res, 200, discovery);
  if (path === '/api/v1/namespaces/sandbox/pods/server-error') return send(res, 500, status(500, 'InternalError', 'something broke'));
  if (path.startsWith('/api/v1/namespaces/broken/')) return send(res, 500, status(500, 'InternalError', 'etcdserver: request timed out'));
  const obj = objects[path];
  if (obj) return send(res, 200, obj);
  return send(res, 404, status(404, 'NotFound', `${path} not found`));
}

function frame(channel: number, text: string): Buffer {
  return Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
}

/** Behaviour of the fake container for the first argv word. */
function runCommand(ws: WebSocket, argv: string[]): void {
  const [cmd, ...args] = argv;
  if (cmd === 'hang') return;
  if (cmd === 'echo') {
    ws.send(frame(1, `${args.join(' ')}\n`));
    ws.send(frame(3, JSON.stringify({ metadata: {}, status: 'Success' })));
  } else if (cmd === 'fail') {
    ws.send(frame(1, 'partial\n'));
    ws.send(frame(2, 'boom\n'));
    const causes = [{ reason: 'ExitCode', message: args[0] ?? '1' }];
    ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code', details: { causes } })));
  } else {
    const message = `exec: "${cmd}": executable file not found in $PATH`;
    ws.send(frame(3, JSON.stringify({ status: 'Failure', reason: 'InternalError', message })));
  }
}

/** `port` lets a test bring the API up where a client is already retrying. */
export async function startTinyApi(opts: { port?: number } = {}): Promise<TinyApi> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handle(req, res);
  });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`UPGRADE ${url.pathname}?container=${url.searchParams.get('container')}`);
    if (!/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/exec$/.test(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => runCommand(ws, url.searchParams.getAll('command')));
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    kubeconfig: kubeconfigFor(url),
    requests,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function kubeconfigFor(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: lab',
    '  cluster:',
    `    server: ${server}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: lab',
    '  user:',
    '    token: test-token',
    'contexts:',
    '- name: lab',
    '  context: {cluster: lab, user: lab}',
    'current-context: lab',
    '',
  ].join('\n');
}
