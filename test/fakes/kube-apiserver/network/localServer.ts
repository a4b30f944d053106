/**
 * The host side of an in-cluster component the fake simulates (istiod's injector, Kyverno's and
 * Gatekeeper's admission webhooks, the ingress controller): an HTTP(S) server listening on an
 * ephemeral port of 127.0.0.1, which the fake pod network or the node's port map points at. Its
 * connections are tracked, so stopping it ends them as a stopped Pod drops its connections; a
 * client that fails the TLS handshake is the client's problem, never an error of the fake.
 */
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Listener, PodNetwork } from './model.js';

export interface LocalServer {
  /** The host port it listens on (127.0.0.1). */
  readonly port: number;
  /** Ends its connections and stops listening. */
  close(): Promise<void>;
}

/** Starts `server` listening on 127.0.0.1:0. */
export async function listenLocal(server: Server): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * `server` as a Pod's port in the fake pod network (a webhook Service reaches it through the Pod):
 * listening, and published as the Pod's listener until closed.
 */
export async function servePodPort(network: PodNetwork, podUid: string, port: number, server: Server): Promise<LocalServer> {
  const local = await listenLocal(server);
  const listener: Listener = { podUid, port, protocol: 'TCP', proxyPort: local.port };
  network.listeners.add(listener);
  return {
    port: local.port,
    close: async () => {
      network.listeners.delete(listener);
      await local.close();
    },
  };
}
