/**
 * The fake pod network's endpoint, on its own port of the API server process (like the CRI
 * endpoint, it keeps answering while kube-apiserver restarts, as a real pod network does). The
 * fake busybox network applets in a pod (test/fakes/lib/busybox-net.mjs) ask it:
 * - POST /connect {pod, host, port, protocol} → what the connection meets (model.ts);
 * - POST /resolve {pod, name} → the DNS answer the pod gets;
 * - POST /listen {pod, port, protocol, proxyPort?} → registers a listener for as long as the
 *   request stays open (the applet's process keeps it open until it dies);
 * - POST /ip {pod, args} → what busybox `ip` prints and exits with (ipCommand.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from '../store.js';
import { runIp } from './ipCommand.js';
import { DNS_SERVICE_IP, PodNetwork, type Listener } from './model.js';

/** A running network endpoint. */
export interface NetworkEndpoint {
  url: string;
  network: PodNetwork;
  close(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1 (random port). */
export async function startNetworkEndpoint(store: ObjectStore): Promise<NetworkEndpoint> {
  const network = new PodNetwork(store);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, body: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      let body: Record<string, any>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, any>;
      } catch {
        return send(400, { error: 'bad JSON' });
      }
      const pod = network.podByUid(String(body.pod ?? ''));
      if (!pod) return send(404, { error: 'pod not found' });
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/connect') return send(200, network.connect(pod, String(body.host), Number(body.port), String(body.protocol ?? 'TCP')));
      if (path === '/resolve') return send(200, { server: DNS_SERVICE_IP, ...network.resolve(pod, String(body.name)) });
      if (path === '/ip') return send(200, runIp(network, pod, ((body.args ?? []) as unknown[]).map(String)));
      if (path === '/listen') {
        const l: Listener = { podUid: String(body.pod), port: Number(body.port), protocol: String(body.protocol ?? 'TCP'), ...(body.proxyPort ? { proxyPort: Number(body.proxyPort) } : {}) };
        network.listeners.add(l);
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('listening\n');
        res.on('close', () => network.listeners.delete(l));
        return;
      }
      send(404, { error: 'unknown path' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    network,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
