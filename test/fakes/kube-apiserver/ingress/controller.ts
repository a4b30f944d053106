/**
 * A simulated F5 NGINX Ingress Controller (the `ingress` lab's controller, labs/ingress): while a
 * Running pod of image nginx/nginx-ingress exists and the IngressClass its `-ingress-class` names
 * (default `nginx`) exists with controller nginx.org/ingress-controller, real HTTP and HTTPS
 * listeners on ephemeral ports of 127.0.0.1 stand for its container ports 80 and 443, published as
 * the node ports its `hostPort`s (or hostNetwork) claim (node-ports.mjs), so `curl --resolve host:443:127.0.0.1` on
 * the node reaches them through the node's curl shim. Without that pod the node ports refuse, as on
 * a node where nothing listens.
 *
 * Faithful: SNI picks the Ingress's own Secret's certificate (real TLS); a TLS host whose Secret is
 * missing, of another type or with a key not matching its certificate, a host without any SSL
 * server and a client without SNI get the TLS handshake rejected (no -default-server-tls-secret:
 * the default server rejects too); HTTP to an SSL host → 301 `https://$host:443$request_uri`;
 * unknown host → 404; no endpoints / no Service → 502; responses proxied to the backend pod found
 * through the fake pod network (busybox httpd, or nginx/httpd images' default page).
 * Simplified: a connection the network drops answers 504 at once (nginx waits proxy_connect_timeout,
 * 60 s); nginx's ssl_reject_handshake sends an unrecognized_name alert, this ends the handshake with
 * a handshake_failure alert (curl exits 35 either way); ConfigMap keys and nginx.org/* annotations
 * are not read; Ingress status is not reported (the lab's manifest runs without -report-ingress-status).
 * Each change to an Ingress of its class is reported as an Event on it (AddedOrUpdated, or
 * AddedOrUpdatedWithWarning naming the unusable TLS Secret), as the controller records them.
 */
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../../../server/log/index.js';
import { publishNodePort } from '../../lib/node-ports.mjs';
import { listenLocal, type LocalServer } from '../network/localServer.js';
import type { PodNetwork } from '../network/model.js';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { ingressServers, matchLocation, matchServer, type IngressLocation, type IngressServer } from './model.js';

const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;
const CLASSES = findResource('networking.k8s.io', 'v1', 'ingressclasses')!;
const INGRESSES = findResource('networking.k8s.io', 'v1', 'ingresses')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const EVENTS = findResource('', 'v1', 'events')!;

/** The controller's image repository (docker.io/nginx/nginx-ingress). */
export const CONTROLLER_IMAGE = /(^|\/)nginx\/nginx-ingress(:|@|$)/;
export const CONTROLLER_NAME = 'nginx.org/ingress-controller';
const NGINX = 'nginx';

/** nginx's own error page for `code`. */
export function nginxPage(code: number, reason: string): string {
  return `<html>\r\n<head><title>${code} ${reason}</title></head>\r\n<body>\r\n<center><h1>${code} ${reason}</h1></center>\r\n<hr><center>${NGINX}</center>\r\n</body>\r\n</html>\r\n`;
}

function sendPage(res: ServerResponse, code: number, reason: string, headers: Record<string, string> = {}): void {
  const body = nginxPage(code, reason);
  res.writeHead(code, reason, { Server: NGINX, 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(body), ...headers }).end(body);
}

/** What the controller pod asks for: its class and the node ports its container ports claim. */
interface ControllerPod {
  pod: KubeObject;
  ingressClass: string;
  hostPorts: { containerPort: number; hostPort: number }[];
}

function controllerPod(store: ObjectStore): ControllerPod | undefined {
  for (const pod of store.list(PODS)) {
    if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
    const c = ((pod.spec?.containers ?? []) as Record<string, any>[]).find((x) => CONTROLLER_IMAGE.test(String(x.image ?? '')));
    if (!c) continue;
    const args = ((c.args ?? []) as unknown[]).map(String);
    const flag = args.map((a) => /^--?ingress-class=(.*)$/.exec(a)?.[1]).find((v) => v !== undefined);
    // With hostNetwork the container ports are the node's own (the API server defaults hostPort to them).
    const nodePort = (p: Record<string, any>): number => Number(p.hostPort) || (pod.spec?.hostNetwork ? Number(p.containerPort) : 0);
    const hostPorts = ((c.ports ?? []) as Record<string, any>[]).filter((p) => nodePort(p) > 0).map((p) => ({ containerPort: Number(p.containerPort), hostPort: nodePort(p) }));
    return { pod, ingressClass: flag ?? 'nginx', hostPorts };
  }
  return undefined;
}

/** Options for {@link startIngressController}. */
export interface IngressControllerOptions {
  store: ObjectStore;
  network: PodNetwork;
  /** The node's directory whose port map gets ports 80/443 (`<clusterDir>/node`). */
  nodeRoot: string;
  logger: Logger;
}

/** Starts watching for the controller pod; `close` stops the listeners and unpublishes the ports. */
export function startIngressController(opts: IngressControllerOptions): { close(): Promise<void>; ports(): { http?: number; https?: number } } {
  const { store, network, nodeRoot, logger } = opts;
  let running: { listening: readonly LocalServer[]; published: number[]; ingressClass: string; pod: KubeObject } | undefined;
  let busy = Promise.resolve();

  const servers = (): IngressServer[] => (running ? [...ingressServers(store, running.ingressClass).values()] : []);

  const proxy = (req: IncomingMessage, res: ServerResponse, loc: IngressLocation, scheme: string, body: Buffer): void => {
    const svc = store.get(SERVICES, loc.namespace, loc.service);
    if (!svc || !running) return sendPage(res, 502, 'Bad Gateway');
    const sp = ((svc.spec?.ports ?? []) as Record<string, any>[]).find((p) => (typeof loc.port === 'number' ? Number(p.port) === loc.port : p.name === loc.port));
    if (!sp || !svc.spec?.clusterIP || svc.spec.clusterIP === 'None') return sendPage(res, 502, 'Bad Gateway');
    // The controller proxies to the Service's endpoints from its own pod: the network (and its policies) decides.
    const r = network.connect(running.pod, String(svc.spec.clusterIP), Number(sp.port), 'TCP');
    if (r.outcome === 'timeout') return sendPage(res, 504, 'Gateway Time-out');
    if (r.outcome !== 'open') return sendPage(res, 502, 'Bad Gateway');
    if (!r.proxyPort) {
      if (r.image === 'nginx' || r.image === 'httpd') {
        const page = r.image === 'nginx' ? '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' : '<html><body><h1>It works!</h1></body></html>\n';
        if ((req.url ?? '/') === '/' || req.url === '/index.html') {
          res.writeHead(200, { Server: NGINX, 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) }).end(page);
        } else sendPage(res, 404, 'Not Found');
        return;
      }
      return sendPage(res, 502, 'Bad Gateway');
    }
    const host = String(req.headers.host ?? '');
    const headers = { ...req.headers, host, 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1', 'x-forwarded-host': host, 'x-forwarded-port': scheme === 'https' ? '443' : '80', 'x-forwarded-proto': scheme, connection: 'close' };
    const up = request({ host: '127.0.0.1', port: r.proxyPort, path: req.url ?? '/', method: req.method ?? 'GET', headers }, (upRes) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && k !== 'connection' && k !== 'server') out[k] = v;
      res.writeHead(upRes.statusCode ?? 502, { ...out, Server: NGINX });
      upRes.pipe(res);
    });
    up.on('error', () => (res.headersSent ? res.destroy() : sendPage(res, 502, 'Bad Gateway')));
    up.end(body);
  };

  const handle = (scheme: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c); // client_max_body_size 1m
    });
    req.on('end', () => {
      if (size > 1024 * 1024) return sendPage(res, 413, 'Request Entity Too Large');
      const host = String(req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const candidates = servers().filter((s) => scheme === 'http' || s.ssl); // only SSL servers listen on 443
      const server = matchServer(candidates, host);
      if (!server) return sendPage(res, 404, 'Not Found'); // the default server
      if (scheme === 'http' && server.ssl) return sendPage(res, 301, 'Moved Permanently', { Location: `https://${host}:443${req.url ?? '/'}` });
      const loc = matchLocation(server, (req.url ?? '/').split('?')[0] ?? '/');
      if (!loc) return sendPage(res, 404, 'Not Found');
      proxy(req, res, loc, scheme, Buffer.concat(chunks));
    });
  };

  const start = async (cp: ControllerPod): Promise<void> => {
    const http = createHttpServer(handle('http'));
    // No default certificate: SNI names a usable SSL server, or the handshake fails (the callback's error).
    const https = createHttpsServer(
      {
        SNICallback: (name, cb) => {
          const s = matchServer(servers().filter((x) => x.ssl), name);
          if (s?.context) return cb(null, s.context);
          cb(new Error(s?.reject ?? `no SSL server for ${name}`));
        },
      },
      handle('https'),
    );
    const listening = [await listenLocal(http), await listenLocal(https)] as const;
    const published: number[] = [];
    for (const { containerPort, hostPort } of cp.hostPorts) {
      const target = containerPort === 80 ? listening[0].port : containerPort === 443 ? listening[1].port : undefined;
      if (target === undefined) continue;
      publishNodePort(nodeRoot, hostPort, { host: '127.0.0.1', port: target });
      published.push(hostPort);
    }
    running = { listening, published, ingressClass: cp.ingressClass, pod: cp.pod };
    logger.info('fake ingress controller serving', { pod: `${String(cp.pod.metadata.namespace)}/${String(cp.pod.metadata.name)}`, ports: published });
  };

  const stop = async (): Promise<void> => {
    const r = running;
    if (!r) return;
    running = undefined;
    // Never recreate the directory of a node being deleted (kind delete removes it while we stop).
    if (existsSync(join(nodeRoot, 'etc/cks-fake'))) for (const p of r.published) publishNodePort(nodeRoot, p, null);
    await Promise.all(r.listening.map((s) => s.close()));
  };

  const sync = (): void => {
    busy = busy.then(async () => {
      const cp = controllerPod(store);
      const cls = cp ? store.get(CLASSES, '', cp.ingressClass) : undefined;
      // v5 exits at start when its IngressClass is missing or names another controller
      // (mustValidateIngressClass); a running controller does not look again.
      const same = cp && running && cp.pod.metadata.uid === running.pod.metadata.uid && cp.ingressClass === running.ingressClass;
      const wanted = cp && (same || cls?.spec?.controller === CONTROLLER_NAME) ? cp : undefined;
      if (running && (!wanted || wanted.pod.metadata.uid !== running.pod.metadata.uid || wanted.ingressClass !== running.ingressClass)) await stop();
      if (wanted && !running) {
        await start(wanted);
        recordEvents();
      }
    }).catch((e: unknown) => logger.warn('fake ingress controller: sync failed', { err: e as Error }));
  };
  // Events on each Ingress after a change, as updateRegularIngressStatusAndEvents records them
  // (`kubectl describe ingress` shows why a TLS Secret is not used).
  const reported = new Map<string, string>();
  const recordEvents = (): void => {
    if (!running) return;
    const found = new Map<string, { ingress: KubeObject; warnings: string[] }>();
    ingressServers(store, running.ingressClass, found);
    for (const [key, { ingress, warnings }] of found) {
      const warn = warnings.length > 0;
      const message = `Configuration for ${key} was added or updated${warn ? ` with warning(s): ${warnings.join('; ')}` : ''}`;
      const id = `${String(ingress.metadata.uid)}/${message}`;
      if (reported.get(key) === id) continue;
      reported.set(key, id);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      store.create(EVENTS, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${String(ingress.metadata.name)}.${randomBytes(8).toString('hex')}`, namespace: String(ingress.metadata.namespace) },
        involvedObject: { kind: 'Ingress', apiVersion: 'networking.k8s.io/v1', namespace: ingress.metadata.namespace, name: ingress.metadata.name, uid: ingress.metadata.uid, resourceVersion: ingress.metadata.resourceVersion },
        reason: warn ? 'AddedOrUpdatedWithWarning' : 'AddedOrUpdated',
        message,
        type: warn ? 'Warning' : 'Normal',
        source: { component: 'nginx-ingress-controller' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: 'nginx-ingress-controller',
        reportingInstance: String(running.pod.metadata.name),
      });
    }
  };
  const onChange = (ev: { rt: unknown }): void => {
    if (ev.rt === PODS || ev.rt === CLASSES) sync();
    if (ev.rt === INGRESSES || ev.rt === SECRETS) setImmediate(() => {
      try {
        recordEvents();
      } catch (e) {
        logger.warn('fake ingress controller: events failed', { err: e as Error });
      }
    });
  };
  store.events.on('change', onChange);
  sync();
  return {
    ports: () => (running ? { http: running.listening[0]!.port, https: running.listening[1]!.port } : {}),
    close: async () => {
      store.events.off('change', onChange);
      await busy;
      await stop();
    },
  };
}
