/**
 * The fake Kubernetes API server: plain HTTP on 127.0.0.1 with bearer-token auth,
 * discovery, OpenAPI v3 index, generic REST storage, watch, pods/log, pods/exec over
 * WebSocket, one Node and a simulated kubelet that runs pods for real.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createSilentLogger, type Logger } from '../../../server/log/index.js';
import { ResourceApi } from './api.js';
import { apiGroup, coreVersions, groupList, openapiDocument, openapiIndex, openapiV2Protobuf, versionInfo, versionOfImage } from './discovery.js';
import { ExecServer, rejectUpgrade } from './exec.js';
import { FakeKubelet } from './kubelet/kubelet.js';
import { podDir } from './kubelet/layout.js';
import { ensureNode, NODE_IP } from './node.js';
import type { PodCreation } from './deployments.js';
import { startPodNetwork } from './network/index.js';
import { bootstrapPolicy, forbiddenMessage, impersonatedUser, type Attributes, type UserInfo } from './rbac.js';
import { Authenticator, clientCertUser } from './authn.js';
import { handleCsrRequest } from './csr.js';
import { startCsrSigner } from './csrSigner.js';
import { authorizeChain } from './nodeAuthorizer.js';
import { admitNodeWrite } from './nodeRestriction.js';
import { startKubernetesServiceController } from './kubernetesService.js';
import { apiResourceList, findResource, groupVersion } from './resources.js';
import { parseResourcePath, type ResourcePath } from './router.js';
import { selectorFilter } from './selectors.js';
import { badRequest, internal, methodNotAllowed, pathNotFound, StatusError, unauthorized } from './status.js';
import { decodeKubeProtobuf, loadProtoSchema } from './protobuf.js';
import { ObjectStore, objectsFile, type StoreEvent } from './store.js';
import { toTable } from './table.js';
import { ensureServingCert } from './tls.js';
import { startRootCaPublisher } from './rootCaPublisher.js';
import { StaticControlPlane } from './controlPlane.js';
import { seedKubeadmObjects } from './kubeadmObjects.js';
import { handleEviction } from './eviction.js'; // kubectl drain
import { startCriEndpoint } from './cri.js';
import { FALCO_UNIT, FalcoService, watchedContainers } from './falco/service.js';
import { startNodeKubelets, type NodeKubelets } from './kubelet/nodeKubelets.js';
import { serviceAccountTokenUser, tokenRequest } from './serviceAccountToken.js';
import type { ServingTls } from './servingTls.js';
import { publishNodePort } from '../lib/node-ports.mjs';
import { startIngressController } from './ingress/controller.js';
import { startKyverno } from './kyverno/controller.js';
import { withImageReview } from './imagePolicy.js';
import { auditIdOf } from './audit/index.js';
import { CustomResources } from './crd/registry.js';
import { startStaticPods } from './kubelet/staticPods.js';
import { mergeCustomGroups, customTable } from './crd/discovery.js';
import { AdmissionWebhooks } from './webhooks/dispatcher.js';
import { withAdmissionWebhooks } from './webhooks/pipeline.js';
import { startGatekeeper } from './gatekeeper/controller.js';
import { startIstio } from './istio/controller.js';

/** Options for {@link startFakeApiServer}. */
export interface FakeApiServerOptions {
  /** kind cluster name; the node is `<cluster>-control-plane`. */
  cluster: string;
  /** Cluster directory: objects.json and pod sandboxes live here (a temp dir when absent). */
  dir?: string;
  /** Port to listen on (0 = random). */
  port?: number;
  /** Added delay before answering each request (benchmarks). */
  latencyMs?: number;
  /** Delay before the node turns Ready (default env FAKE_NODE_READY_DELAY_MS or 0). */
  nodeReadyDelayMs?: number;
  /** First CrashLoopBackOff delay of the simulated kubelet (default 10 s, as real). */
  backoffMs?: number;
  /** Bearer token to require (random when absent). */
  token?: string;
  logger?: Logger;
  /**
   * The node's root on the host (fake kind's node dir). When it holds the kubeadm manifests, the
   * static pods are simulated: kube-apiserver restarts when its manifest changes (and obeys
   * --encryption-provider-config), and a CRI endpoint serves the node's `crictl`. Default `<dir>/node`.
   */
  nodeRoot?: string;
  /** Worker nodes joined to the cluster (kind's `<cluster>-worker`, `-worker2` …); pods are scheduled onto them. */
  workers?: { name: string; ip: string }[];
  /** kube-apiserver's downtime when its static pod is replaced (default env FAKE_APISERVER_RESTART_MS or 1500). */
  restartMs?: number;
}

/** A running fake API server. */
export interface FakeApiServer {
  /** `http://127.0.0.1:PORT` (the same port also answers HTTPS, see {@link httpsUrl}). */
  url: string;
  /** `https://127.0.0.1:PORT`: kubectl sends its bearer token only over TLS. */
  httpsUrl: string;
  /** PEM of the self-signed serving certificate (use it as the CA). */
  caPem: string;
  port: number;
  token: string;
  dir: string;
  /** Direct access to stored objects (tests seed or inspect state through it). */
  store: ObjectStore;
  /** Same semantics as HTTP requests, without HTTP (defaults, validation, errors). */
  api: ResourceApi;
  /**
   * A kubeconfig (YAML) for this server with a token user, context `kind-<cluster>`.
   * HTTPS with the CA by default (works for kubectl and client-node); `{ tls: false }` for
   * http:// with `insecure-skip-tls-verify: true` (client-node only: kubectl sends no token over http).
   */
  kubeconfig(opts?: { tls?: boolean }): string;
  /** Port of the node's CRI endpoint (for the fake crictl), when the static pods are simulated. */
  criPort?: number;
  /** The simulated control-plane static pods, when the node's manifests exist. */
  controlPlane?: StaticControlPlane;
  /** Stops the kubelet's processes, open watches and execs, and the listener. */
  close(): Promise<void>;
}

const HEALTH = new Set(['/version', '/healthz', '/readyz', '/livez']);

/** The authorizer's attributes of a resource request (kube-apiserver's RequestInfo: verb from the method). */
function requestAttributes(method: string, rp: ResourcePath, q: URLSearchParams): Attributes {
  const watching = ['true', '1'].includes(q.get('watch') ?? '');
  const verb = method === 'GET' ? (rp.name === undefined ? (watching ? 'watch' : 'list') : 'get')
    : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch'
    : method === 'DELETE' ? (rp.name === undefined ? 'deletecollection' : 'delete') : method.toLowerCase();
  return { verb, group: rp.rt.group, resource: rp.rt.resource, subresource: rp.subresource ?? '', name: rp.name ?? '', namespace: rp.namespace ?? '' };
}

/** kube-apiserver's 403 for a non-resource URL (`/api`, `/healthz` …). */
function forbiddenPath(who: UserInfo, verb: string, path: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `forbidden: User "${who.user}" cannot ${verb} path "${path}"`, reason: 'Forbidden', details: {}, code: 403 });
}

function forbiddenStatus(message: string, rp: ResourcePath): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details: { ...(rp.name ? { name: rp.name } : {}), ...(rp.rt.group ? { group: rp.rt.group } : {}), kind: rp.rt.resource }, code: 403 });
}

function invalidReview(field: string, message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `SubjectAccessReview.authorization.k8s.io "" is invalid: ${field}: Invalid value: ${message}`, reason: 'Invalid', code: 422 });
}

/** Starts a fake API server (in-process). */
export async function startFakeApiServer(opts: FakeApiServerOptions): Promise<FakeApiServer> {
  const dir = opts.dir ?? join((await import('node:os')).tmpdir(), `fake-kube-${opts.cluster}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const logger = opts.logger ?? createSilentLogger();
  const token = opts.token ?? randomBytes(24).toString('hex');
  const store = new ObjectStore(objectsFile(dir));
  const api = new ResourceApi(store);
  api.bootstrap();
  bootstrapPolicy(store);
  const nodeName = `${opts.cluster}-control-plane`;
  const readyDelay = opts.nodeReadyDelayMs ?? Number(process.env.FAKE_NODE_READY_DELAY_MS ?? 0);
  const workers = opts.workers ?? [];
  // With workers, kind keeps the control-plane taint: workloads land on a worker.
  const cancels = [ensureNode(store, nodeName, readyDelay, { taint: workers.length > 0 }), ...workers.map((w) => ensureNode(store, w.name, readyDelay, { role: 'worker', ip: w.ip }))];
  const cancelNode = (): void => cancels.forEach((c) => c());
  // The Deployment controller's Pods go through the admission webhooks once they exist (set below).
  const podCreation: PodCreation = {};
  const network = await startPodNetwork(store, api, logger, podCreation); // Services, DNS, NetworkPolicy, Deployments (network/)
  // CustomResourceDefinitions make resources served (crd/registry.ts).
  const crds = new CustomResources(store);
  const stopCrds = crds.start();
  const resourcePath = (path: string): ResourcePath | undefined => parseResourcePath(path) ?? crds.parsePath(path);
  const kubeletOpts = { store, clusterDir: dir, nodeName: workers[0]?.name ?? nodeName, nodeNames: [nodeName, ...workers.map((w) => w.name)], hostIP: workers[0]?.ip || NODE_IP, logger, networkUrl: network.url };
  const kubelet = new FakeKubelet(opts.backoffMs === undefined ? kubeletOpts : { ...kubeletOpts, backoffMs: opts.backoffMs });
  kubelet.start();
  const pods = findResource('', 'v1', 'pods')!;
  const exec = new ExecServer({ clusterDir: dir, getPod: (ns, name) => store.get(pods, ns, name) });
  const watches = new Set<ServerResponse>();
  let webhooks: AdmissionWebhooks | undefined;
  const protoSchema = loadProtoSchema();

  // Set once the static pods are simulated; a starting kube-apiserver is not ready yet.
  let controlPlane: StaticControlPlane | undefined;
  // Who a request is (admin token, a kubelet's token, anonymous) and what the authorizer chain lets it do.
  const authn = new Authenticator(token, [nodeName, ...workers.map((w) => w.name)]);
  authn.verifyToken = (t) => serviceAccountTokenUser(store, token, t);
  const stopKubernetesService = startKubernetesServiceController(store);
  const requester = (req: IncomingMessage): UserInfo => {
    const who = authn.authenticate(req.headers, store.apiserverAuth, new URL(req.url ?? '/', 'http://localhost').pathname, clientCertUser(req.socket));
    if (!who) throw unauthorized();
    const acting = impersonatedUser(req.headers);
    if (acting && !who.groups.includes('system:masters')) {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `users "${acting.user}" is forbidden: User "${who.user}" cannot impersonate resource "users" in API group "" at the cluster scope`, reason: 'Forbidden', details: { name: acting.user, kind: 'users' }, code: 403 });
    }
    return acting ?? who;
  };
  const allowPath = (who: UserInfo, method: string, path: string): void => {
    const verb = method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
    if (!authorizeChain(store, store.apiserverAuth, who, { verb, path }).allowed) throw forbiddenPath(who, verb, path);
  };

  const onRequest: RequestListener = (req, res) => {
    void (async () => {
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      const body = await readBody(req);
      try {
        await route(req, res, body);
      } catch (e) {
        const err = e instanceof StatusError ? e : internal((e as Error).message);
        if (!(e instanceof StatusError)) logger.warn('fake apiserver: handler failed', { err: e as Error, url: req.url });
        sendJson(res, err.status.code, err.status);
      }
    })();
  };

  const route = async (req: IncomingMessage, res: ServerResponse, rawBody: Buffer): Promise<void> => {
    let body = rawBody;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/$/, '') || '/';
    const auditID = auditIdOf(req, res); // WithAuditInit: every answer carries its Audit-Id
    const who = requester(req);
    const auditRp = resourcePath(path);
    // The audit filter runs before impersonation: its user is the authenticated one (audit/index.ts).
    const authenticated = req.headers['impersonate-user'] && controlPlane?.audit ? authn.authenticate(req.headers, store.apiserverAuth, url.pathname, clientCertUser(req.socket)) : null;
    controlPlane?.audit?.observe({ auditID, req, res, body, who: authenticated ?? who, ...(authenticated ? { impersonated: who } : {}), store, attrs: auditRp ? requestAttributes(req.method ?? 'GET', auditRp, url.searchParams) : { verb: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? 'get' : (req.method ?? '').toLowerCase(), path } });
    if (!resourcePath(path)) allowPath(who, req.method ?? 'GET', path);
    if (HEALTH.has(path)) {
      if (path === '/version') return sendJson(res, 200, versionInfo(versionOfImage(controlPlane?.running('kube-apiserver')?.image)));
      if (controlPlane?.state === 'starting' && path !== '/livez') return notReady(res, path.slice(1));
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok');
      return;
    }
    if (path === '/openapi/v2') {
      const pb = openapiV2Protobuf();
      res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': pb.length }).end(pb);
      return;
    }
    const discovery = mergeCustomGroups(crds, path, discoveryDoc(path));
    if (discovery) return sendJson(res, 200, discovery);
    const rp = resourcePath(path);
    if (!rp) throw pathNotFound();
    const method = req.method ?? 'GET';
    // The authorizer chain (--authorization-mode) decides, also for `kubectl --as=…`.
    const attrs = requestAttributes(method, rp, url.searchParams);
    if (!authorizeChain(store, store.apiserverAuth, who, attrs).allowed) throw forbiddenStatus(forbiddenMessage(who, attrs), rp);
    if (rp.subresource === 'exec') throw badRequest('Upgrade request required');
    if (rp.subresource === 'log') return sendLog(res, rp, url.searchParams);
    if (method === 'GET' && rp.name === undefined && ['true', '1'].includes(url.searchParams.get('watch') ?? '')) return watch(req, res, rp, url.searchParams);
    let contentType = req.headers['content-type'] ?? 'application/json';
    if (body.length > 0 && contentType.startsWith('application/vnd.kubernetes.protobuf')) {
      body = Buffer.from(JSON.stringify(decodeKubeProtobuf(protoSchema, body)));
      contentType = 'application/json';
    }
    if (rp.rt.review) {
      if (method !== 'POST' || rp.name !== undefined) throw methodNotAllowed();
      if (rp.rt.review === 'whoami') return sendJson(res, 201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: { username: who.user, groups: who.groups } } });
      return sendJson(res, 201, accessReview(rp.rt.review, JSON.parse(body.toString('utf8') || '{}') as Record<string, any>, who));
    }
    const request = {
      method,
      rt: rp.rt,
      ...(rp.namespace !== undefined ? { namespace: rp.namespace } : {}),
      ...(rp.name !== undefined ? { name: rp.name } : {}),
      ...(rp.subresource !== undefined ? { subresource: rp.subresource } : {}),
      query: url.searchParams,
      contentType,
      body,
    };
    if (rp.rt.resource === 'serviceaccounts' && rp.subresource === 'token' && rp.name !== undefined) {
      if (method !== 'POST') throw methodNotAllowed();
      return sendJson(res, 201, tokenRequest(store, token, rp.namespace ?? '', rp.name, JSON.parse(body.toString('utf8') || '{}') as Record<string, any>));
    }
    admitNodeWrite(api, store, who, request); // the NodeRestriction admission plugin, for kubelets writing Nodes
    // ImagePolicyWebhook asks its backend over HTTPS before the Pod is admitted (imagePolicy.ts).
    // The admission webhooks are called at their points of the chain (webhooks/pipeline.ts).
    const answer = await withAdmissionWebhooks(webhooks, who, request, (req1) =>
      withImageReview(store.imagePolicy, req1, (r) => handleEviction(api, r) ?? handleCsrRequest(api, store, who, r) ?? api.handle(r)), // CSRs: requester recorded, approval (csr.ts)
    );
    const headers: Record<string, string[]> = {};
    if (answer.warnings.length > 0) headers.Warning = answer.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
    const wantsTable = method === 'GET' && (req.headers.accept ?? '').includes('as=Table');
    if (wantsTable && answer.code === 200) {
      const b = answer.body as Record<string, any>;
      const items = rp.name === undefined ? (b.items as any[]) : [b];
      if (rp.rt.custom) return sendJson(res, 200, customTable(rp.rt.custom.columns, items as never, store.resourceVersion()), headers);
      return sendJson(res, 200, toTable(rp.rt.kind, items as never, store.resourceVersion()), headers);
    }
    sendJson(res, answer.code, answer.body, headers);
  };

  /** A SubjectAccessReview (spec.user/groups) or SelfSubjectAccessReview (the caller), answered by RBAC. */
  const accessReview = (kind: 'subject' | 'self', review: Record<string, any>, caller: UserInfo): Record<string, unknown> => {
    const spec = (review.spec ?? {}) as Record<string, any>;
    const who = kind === 'self' ? caller : { user: String(spec.user ?? ''), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [] };
    if (kind === 'subject' && who.user === '' && who.groups.length === 0) throw invalidReview('spec.user', 'at least one of user or group must be specified');
    const ra = spec.resourceAttributes as Record<string, string> | undefined;
    const nra = spec.nonResourceAttributes as Record<string, string> | undefined;
    if (!ra && !nra) throw invalidReview('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const attrs: Attributes = ra
      ? { verb: ra.verb ?? '', group: ra.group ?? '', resource: ra.resource ?? '', subresource: ra.subresource ?? '', name: ra.name ?? '', namespace: ra.namespace ?? '' }
      : { verb: nra!.verb ?? '', path: nra!.path ?? '' };
    const verdict = authorizeChain(store, store.apiserverAuth, who, attrs);
    const kindName = kind === 'self' ? 'SelfSubjectAccessReview' : 'SubjectAccessReview';
    return { kind: kindName, apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed: verdict.allowed, ...(verdict.reason ? { reason: verdict.reason } : {}) } };
  };

  const discoveryDoc = (path: string): unknown => {
    if (path === '/api') return coreVersions();
    if (path === '/apis') return groupList();
    if (path === '/openapi/v3') return openapiIndex();
    if (path.startsWith('/openapi/v3/')) return openapiDocument(path.slice('/openapi/v3/'.length));
    let m = /^\/api\/(v1)$/.exec(path);
    if (m) return apiResourceList('', m[1]!);
    m = /^\/apis\/([^/]+)$/.exec(path);
    if (m) return apiGroup(m[1]!);
    m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) return apiResourceList(m[1]!, m[2]!);
    return undefined;
  };

  const sendLog = (res: ServerResponse, rp: ResourcePath, q: URLSearchParams): void => {
    const pod = api.mustGet(rp.rt, rp.namespace ?? '', rp.name ?? '');
    const containers: Record<string, any>[] = pod.spec?.containers ?? [];
    const inits: Record<string, any>[] = pod.spec?.initContainers ?? [];
    let name = q.get('container') ?? '';
    if (name === '') {
      if (containers.length !== 1) {
        throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.map((c) => c.name).join(' ')}] or one of the init containers: [${inits.map((c) => c.name).join(' ')}]`);
      }
      name = containers[0]!.name;
    }
    if (![...containers, ...inits].some((c) => c.name === name)) throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
    let text = '';
    try {
      text = readFileSync(join(podDir(dir, pod.metadata.namespace, pod.metadata.name), 'logs', `${name}.log`), 'utf8');
    } catch {
      text = '';
    }
    const tail = Number(q.get('tailLines') ?? NaN);
    if (Number.isFinite(tail)) text = text.split('\n').slice(-(tail + 1)).join('\n');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(text);
  };

  const watch = (req: IncomingMessage, res: ServerResponse, rp: ResourcePath, q: URLSearchParams): void => {
    const match = selectorFilter(q.get('labelSelector'), q.get('fieldSelector'));
    const inScope = (o: Record<string, any>): boolean => (!rp.rt.namespaced || rp.namespace === undefined || o.metadata.namespace === rp.namespace) && match(o as never);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rv = q.get('resourceVersion');
    if (!rv || rv === '0') {
      for (const o of store.list(rp.rt, rp.namespace)) if (inScope(o)) res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    } else {
      // What changed since the client's version (its list), then live events: nothing falls between.
      const since = /^\d+$/.test(rv) ? store.eventsSince(Number(rv)) : 'expired';
      if (since === 'expired') {
        const message = `too old resource version: ${rv} (${store.resourceVersion()})`;
        res.end(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } }) + '\n');
        return;
      }
      for (const ev of since) if (ev.rt === rp.rt && inScope(ev.object)) res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
    }
    watches.add(res);
    const onChange = (ev: StoreEvent): void => {
      if (ev.rt !== rp.rt || !inScope(ev.object)) return;
      res.write(JSON.stringify({ type: ev.type, object: ev.object }) + '\n');
    };
    store.events.on('change', onChange);
    const timeout = setTimeout(() => res.end(), Number(q.get('timeoutSeconds') ?? 1800) * 1000);
    const done = (): void => {
      clearTimeout(timeout);
      store.events.off('change', onChange);
      watches.delete(res);
    };
    res.on('close', done);
    req.on('close', done);
  };

  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let who: UserInfo;
    try {
      who = requester(req);
    } catch (e) {
      return rejectUpgrade(socket, e as StatusError);
    }
    const rp = resourcePath(url.pathname);
    if (!rp || rp.subresource !== 'exec' || rp.namespace === undefined || rp.name === undefined) return rejectUpgrade(socket, pathNotFound());
    const attrs: Attributes = { verb: 'create', group: '', resource: 'pods', subresource: 'exec', name: rp.name, namespace: rp.namespace };
    if (!authorizeChain(store, store.apiserverAuth, who, attrs).allowed) return rejectUpgrade(socket, forbiddenStatus(forbiddenMessage(who, attrs), rp));
    exec.upgrade(req, socket, head, rp.namespace, rp.name, url.searchParams);
  };

  const tls = await ensureServingCert(dir);
  const stopRootCa = startRootCaPublisher(store, tls.cert);
  const httpServer = createServer(onRequest);
  // Client certificates are asked for, never required: verified against the cluster CA by clientCertUser.
  const httpsServer = createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.cert, requestCert: true, rejectUnauthorized: false }, onRequest);
  // kube-controller-manager's csrsigning controller, with the cluster CA (csrSigner.ts).
  const stopCsrSigner = startCsrSigner(store, { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') }, logger);
  for (const s of [httpServer, httpsServer]) s.on('upgrade', onUpgrade);
  // One port, two protocols: a TLS ClientHello starts with byte 0x16.
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      (first[0] === 0x16 ? httpsServer : httpServer).emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  let port = opts.port ?? 0;
  const listen = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  // A stopped kube-apiserver refuses connections: close the listener and drop every connection.
  const unlisten = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const w of watches) w.end();
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen();
  port = (server.address() as AddressInfo).port;
  const nodeRoot = opts.nodeRoot ?? join(dir, 'node');
  let cri: Awaited<ReturnType<typeof startCriEndpoint>> | undefined;
  let falco: FalcoService | undefined;
  let nodeKubelets: NodeKubelets | undefined;
  let stopStaticPods = (): void => undefined;
  if (existsSync(join(nodeRoot, 'etc/kubernetes/manifests/kube-apiserver.yaml'))) {
    // The node's port 6443 (--secure-port) leads here while kube-apiserver listens (`curl https://127.0.0.1:6443` on the node).
    const nodeListen = async (): Promise<void> => {
      await listen();
      publishNodePort(nodeRoot, 6443, { host: '127.0.0.1', port });
    };
    const nodeUnlisten = async (): Promise<void> => {
      publishNodePort(nodeRoot, 6443, null);
      await unlisten();
    };
    publishNodePort(nodeRoot, 6443, { host: '127.0.0.1', port });
    // --tls-min-version, applied at each start of kube-apiserver (servingTls.ts).
    const applyServingTls = (t: ServingTls): void => httpsServer.setSecureContext({ cert: tls.cert, key: tls.key, ca: tls.cert, minVersion: t.minVersion });
    controlPlane = new StaticControlPlane({ nodeRoot, nodeName, store, logger, listen: nodeListen, unlisten: nodeUnlisten, applyServingTls, ...(opts.restartMs !== undefined ? { restartMs: opts.restartMs } : {}) });
    await controlPlane.start();
    // Other static pods in the kubelet's staticPodPath, with their mirror Pods (kubelet/staticPods.ts).
    stopStaticPods = startStaticPods({ store, nodeRoot, nodeName, logger, create: (o) => api.createObject(pods, o) });
    // The nodes' kubelet servers (:10250, read-only port) and their kubelet.service (kubelet/kubeletServer.ts).
    nodeKubelets = await startNodeKubelets({
      store, cluster: opts.cluster, logger,
      nodes: [{ name: nodeName, ip: NODE_IP, root: nodeRoot }, ...workers.map((w) => ({ name: w.name, ip: w.ip, root: join(dir, 'nodes', w.name, 'node') }))],
      reviewToken: (t) => authn.authenticate({ authorization: `Bearer ${t}` }, { anonymous: false, modes: [] }, '/'),
      authorize: (who, a) => authorizeChain(store, store.apiserverAuth, who, a).allowed,
    });
    seedKubeadmObjects(api, store, nodeRoot); // kubeadm init's kubeadm-config, kubelet-config, kube-proxy
    // The `falco` lab's Falco (falco/service.ts): enabled at boot, it watches this cluster's containers only.
    if (existsSync(join(nodeRoot, 'usr/lib/systemd/system', FALCO_UNIT))) {
      falco = new FalcoService({ nodeRoot, nodeName, containers: () => watchedContainers(kubelet.criContainers(nodeName)) });
      falco.systemctl('start');
    }
    const falcoUnit = (node: string, verb: string) => (node === nodeName ? falco?.systemctl(verb) : undefined);
    cri = await startCriEndpoint(controlPlane, store, nodeRoot, nodeKubelets.unit, () => kubelet.criContainers(nodeName), falcoUnit);
  }
  // The `ingress` lab's controller, simulated while its pod runs (node ports 80/443 of the control plane).
  const ingress = startIngressController({ store, network: network.network, nodeRoot, logger });
  // The `kyverno` lab's Kyverno, simulated while its pods run (kyverno/controller.ts).
  const kyverno = startKyverno({ store, network: network.network, logger, customType: (g, v, r) => crds.find(g, v, r), customKind: (g, k) => crds.byKind(g, k), create: (rt, o) => api.createObject(rt, o) });
  // MutatingAdmissionWebhook / ValidatingAdmissionWebhook (webhooks/dispatcher.ts), when kube-apiserver runs them.
  webhooks = new AdmissionWebhooks(store, network.network, existsSync(nodeRoot) ? nodeRoot : undefined, () => store.admissionPlugins);
  const replicaSetController = { user: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] };
  // The ReplicaSet controller's Pod creates meet the same admission as anyone's: the webhooks, and ImagePolicyWebhook.
  podCreation.active = () => webhooks?.any() === true || store.imagePolicy !== undefined;
  podCreation.admit = (r) => withAdmissionWebhooks(webhooks, replicaSetController, r, (r1) => withImageReview(store.imagePolicy, r1, (r2) => api.handle(r2)));
  // The `gatekeeper` lab's OPA Gatekeeper, simulated while its pods run (gatekeeper/controller.ts).
  const gatekeeper = startGatekeeper({ store, api, network: network.network, crds, logger });
  // The `mesh` lab's istiod (sidecar injector) and the sidecars' mTLS, simulated while its pod runs (istio/controller.ts).
  const istio = startIstio({ store, network: network.network, logger, customType: (g, v, r) => crds.find(g, v, r) });
  const url = `http://127.0.0.1:${port}`;
  const httpsUrl = `https://127.0.0.1:${port}`;
  logger.info('fake apiserver listening', { cluster: opts.cluster, url });

  return {
    url,
    httpsUrl,
    caPem: tls.cert,
    port,
    token,
    dir,
    store,
    api,
    ...(cri ? { criPort: cri.port } : {}),
    ...(controlPlane ? { controlPlane } : {}),
    kubeconfig: (k = {}) => (k.tls === false ? kubeconfigYaml(opts.cluster, url, token) : kubeconfigYaml(opts.cluster, httpsUrl, token, tls.cert)),
    close: async () => {
      stopStaticPods();
      controlPlane?.dispose();
      falco?.dispose();
      if (cri) await new Promise<void>((resolve) => cri.server.close(() => resolve()));
      await nodeKubelets?.dispose();
      cancelNode();
      stopRootCa();
      stopCsrSigner();
      stopKubernetesService();
      exec.close();
      for (const w of watches) w.end();
      await kubelet.dispose();
      await ingress.close();
      await kyverno.close();
      await gatekeeper.close();
      await istio.close();
      stopCrds();
      await network.close();
      store.flush();
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig for a fake server, context and cluster named `kind-<cluster>`. */
export function kubeconfigYaml(cluster: string, url: string, token: string, caPem?: string): string {
  const name = `kind-${cluster}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    // client-node 1.4 refuses http:// unless skipTLSVerify is set; kubectl sends tokens only over TLS.
    ...(caPem ? [`    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`] : ['    insecure-skip-tls-verify: true']),
    `    server: ${url}`,
    'users:',
    `- name: ${name}`,
    '  user:',
    `    token: ${token}`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

/** A kube-apiserver whose post-start hooks have not finished: /readyz and /healthz answer 500, verbose. */
function notReady(res: ServerResponse, check: string): void {
  const lines = ['[+]ping ok', '[+]log ok', '[+]etcd ok', '[+]informer-sync ok', '[+]poststarthook/start-apiserver-admission-initializer ok', '[-]poststarthook/rbac/bootstrap-roles failed: reason withheld', '[-]poststarthook/scheduling/bootstrap-system-priority-classes failed: reason withheld', '[+]poststarthook/bootstrap-controller ok', `${check} check failed`];
  res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(`${lines.join('\n')}\n`);
}

function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export { groupVersion };
