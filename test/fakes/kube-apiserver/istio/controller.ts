/**
 * A simulated istiod 1.30 (the `mesh` lab, labs/mesh), run in-process by the fake kube-apiserver
 * while istiod's pod (image istio/pilot) runs in istio-system:
 * - its sidecar injector: an HTTPS server on 127.0.0.1:0 stands for container port 15017, which the
 *   Service istiod:443 targets, so the API server's calls of MutatingWebhookConfiguration
 *   istio-sidecar-injector reach it; POST /inject answers AdmissionReviews with the JSONPatch of
 *   injector.ts. Like istiod it keeps a self-signed CA in Secret istio-ca-secret (made with openssl,
 *   reused across restarts), serves a certificate for istiod.istio-system.svc signed by it, patches
 *   that CA into the caBundle of every MutatingWebhookConfiguration whose webhooks call istiod, and
 *   publishes the root in ConfigMap istio-ca-root-cert of every namespace (which sidecars mount).
 * - the data plane it configures: while it runs, the pod network asks it (PodNetwork.mesh) about
 *   every connection reaching a pod listener. A pod whose istio-proxy sidecar runs enforces its
 *   PeerAuthentication (peerAuthentication.ts): under STRICT a client without a running sidecar
 *   (plain text) is reset after the TCP handshake, as Envoy does; a client with one speaks mTLS
 *   (auto mTLS) when it dials a Service, plain text when it dials a pod IP (PassthroughCluster).
 *   PERMISSIVE and DISABLE accept both. A pod without a sidecar is not in the mesh: no policy applies.
 * Not simulated: xDS, certificates of the sidecars (no real TLS between them), DestinationRule,
 * AuthorizationPolicy, the validation webhook, revisions other than `default`, ambient mode.
 */
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../../server/log/index.js';
import { servePodPort, type LocalServer } from '../network/localServer.js';
import type { PodNetwork } from '../network/model.js';
import { findResource, type ResourceType } from '../resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { makeServingCerts, type ServingCerts } from '../webhookCerts.js';
import { hasRunningSidecar, injectionPatch, skipReason } from './injector.js';
import { effectiveMode, ROOT_NAMESPACE } from './peerAuthentication.js';

type Obj = Record<string, any>;

const PODS = findResource('', 'v1', 'pods')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const MWC = findResource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations');

export const PILOT_IMAGE = /(^|\/)istio\/pilot(:|@|$)/;
const WEBHOOK_PORT = 15017;
const SERVICE = 'istiod';
/** Namespaces istiod's namespace controller leaves without istio-ca-root-cert (inject.IgnoredNamespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);
const MAX_BODY = 3 * 1024 * 1024;

export interface IstioOptions {
  store: ObjectStore;
  network: PodNetwork;
  logger: Logger;
  /** The server's custom resource registry (CRDs): a served custom resource type, if any. */
  customType(group: string, version: string, resource: string): ResourceType | undefined;
}

const ready = (pod: KubeObject): boolean =>
  pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && ((pod.status?.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');

function istiodPod(store: ObjectStore): { pod: KubeObject; proxyImage: string } | undefined {
  for (const pod of store.list(PODS, ROOT_NAMESPACE)) {
    if (!ready(pod)) continue;
    const c = ((pod.spec?.containers ?? []) as Obj[]).find((x) => PILOT_IMAGE.test(String(x.image ?? '')));
    if (!c) continue;
    // The proxy image of the same hub and tag as the pilot image (values.global.hub/tag).
    return { pod, proxyImage: String(c.image).replace(PILOT_IMAGE, (m) => m.replace('pilot', 'proxyv2')) };
  }
  return undefined;
}


/** istiod's self-signed root CA and a serving certificate for istiod.istio-system.svc. */
const makeCerts = (): Promise<ServingCerts> =>
  makeServingCerts({
    ca: { subject: '/O=cluster.local', days: 3650 },
    subject: '/O=cluster.local',
    dnsNames: [`${SERVICE}.${ROOT_NAMESPACE}.svc`, `istiod-remote.${ROOT_NAMESPACE}.svc`, `istio-pilot.${ROOT_NAMESPACE}.svc`],
    days: 1,
  });

/** A serving pair for istiod.istio-system.svc signed by an existing CA. */
const signWith = (ca: { caCrt: string; caKey: string }): Promise<ServingCerts> =>
  makeServingCerts({ ca, subject: '/O=cluster.local', dnsNames: [`${SERVICE}.${ROOT_NAMESPACE}.svc`], days: 1 });

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Starts following istiod's pod; `close` stops everything. */
export function startIstio(opts: IstioOptions): { close(): Promise<void> } {
  const { store, network, logger } = opts;
  let running: { server: LocalServer; pod: KubeObject; proxyImage: string; ca: string } | undefined;
  let busy = Promise.resolve();
  let closed = false;

  const peerAuthentications = (): KubeObject[] => {
    const rt = opts.customType('security.istio.io', 'v1', 'peerauthentications') ?? opts.customType('security.istio.io', 'v1beta1', 'peerauthentications');
    return rt ? store.list(rt) : [];
  };

  /** The data plane's answer for one connection (PodNetwork.mesh). */
  const judge = (from: KubeObject, to: KubeObject, port: number, viaService: boolean): string | undefined => {
    if (!hasRunningSidecar(to)) return undefined;
    const { mode, from: source } = effectiveMode(peerAuthentications(), to, port);
    if (mode !== 'STRICT') return undefined;
    const mtls = hasRunningSidecar(from) && viaService;
    if (mtls) return undefined;
    const who = `${String(from.metadata.namespace)}/${String(from.metadata.name)}`;
    return `${String(to.metadata.namespace)}/${String(to.metadata.name)}'s istio-proxy requires mTLS on port ${port} (STRICT, ${source}) and ${who} sent plain text${hasRunningSidecar(from) ? ' (a pod IP, not a Service: PassthroughCluster)' : ' (no sidecar)'}`;
  };

  const inject = (req: Obj): Obj => {
    const pod = (req.object ?? {}) as Obj;
    const base = { uid: req.uid, allowed: true };
    if (req.kind?.kind !== 'Pod' || req.operation !== 'CREATE' || !running) return base;
    if (skipReason(pod)) return base;
    const patch = injectionPatch(pod, { proxyImage: running.proxyImage, revision: 'default' });
    return { ...base, patchType: 'JSONPatch', patch: b64(JSON.stringify(patch)) };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method !== 'POST' || !/^\/inject(\/|$)/.test(path) || size > MAX_BODY) {
        res.writeHead(404).end();
        return;
      }
      let body: Obj;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj;
      } catch {
        res.writeHead(400).end('could not decode body');
        return;
      }
      let response: Obj;
      try {
        response = inject((body.request ?? {}) as Obj);
      } catch (e) {
        logger.warn('fake istiod: injection failed', { err: e as Error });
        response = { uid: body.request?.uid, allowed: false, status: { message: `fake istiod: ${(e as Error).message}` } };
      }
      const text = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
    });
  };

  /** The root CA, from Secret istio-ca-secret when it holds one (istiod's self-signed CA). */
  const rootCa = async (): Promise<{ caCrt: string; caKey: string }> => {
    const s = store.get(SECRETS, ROOT_NAMESPACE, 'istio-ca-secret');
    const crt = s?.data?.['ca-cert.pem'];
    const key = s?.data?.['ca-key.pem'];
    if (crt && key) return { caCrt: Buffer.from(String(crt), 'base64').toString('utf8'), caKey: Buffer.from(String(key), 'base64').toString('utf8') };
    return { caCrt: '', caKey: '' };
  };

  const syncCaBundles = (): void => {
    if (!running || !MWC) return;
    const bundle = b64(running.ca);
    for (const cfg of store.list(MWC)) {
      let changed = false;
      const webhooks = ((cfg.webhooks ?? []) as Obj[]).map((w) => {
        const svc = w.clientConfig?.service;
        if (svc?.name !== SERVICE || svc?.namespace !== ROOT_NAMESPACE || w.clientConfig?.caBundle === bundle) return w;
        changed = true;
        return { ...w, clientConfig: { ...w.clientConfig, caBundle: bundle } };
      });
      if (changed) store.update(MWC, { ...cfg, webhooks });
    }
  };

  const syncRootCerts = (): void => {
    if (!running) return;
    for (const ns of store.list(NAMESPACES)) {
      const name = String(ns.metadata.name);
      if (IGNORED_NAMESPACES.has(name) || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') continue;
      const live = store.get(CONFIGMAPS, name, 'istio-ca-root-cert');
      const data = { 'root-cert.pem': running.ca };
      if (!live) store.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio-ca-root-cert', namespace: name, labels: { 'istio.io/config': 'true' } }, data });
      else if (live.data?.['root-cert.pem'] !== running.ca) store.update(CONFIGMAPS, { ...live, data });
    }
  };

  const start = async (pod: KubeObject, proxyImage: string): Promise<void> => {
    let ca = await rootCa();
    const c = await makeCerts();
    if (!ca.caCrt) {
      // First start: istiod's CA writes its self-signed root to istio-ca-secret.
      ca = { caCrt: c.caCrt, caKey: c.caKey };
      const secret: KubeObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'istio.io/ca-root',
        metadata: { name: 'istio-ca-secret', namespace: ROOT_NAMESPACE },
        data: { 'ca-cert.pem': b64(c.caCrt), 'ca-key.pem': b64(c.caKey), 'cert-chain.pem': '', 'key.pem': '', 'root-cert.pem': '' },
      };
      if (!store.get(SECRETS, ROOT_NAMESPACE, 'istio-ca-secret')) store.create(SECRETS, secret);
    }
    // The serving pair must chain to the CA the caBundle names: re-sign when the CA came from the Secret.
    const pair = ca.caCrt === c.caCrt ? c : await signWith(ca);
    const server = await servePodPort(network, String(pod.metadata.uid), WEBHOOK_PORT, createServer({ cert: pair.crt, key: pair.key }, handle));
    running = { server, pod, proxyImage, ca: ca.caCrt };
    syncCaBundles();
    syncRootCerts();
    logger.info('fake istiod serving', { pod: String(pod.metadata.name), port: server.port });
  };

  const stop = async (): Promise<void> => {
    const r = running;
    if (!r) return;
    running = undefined;
    await r.server.close();
  };

  const sync = (): void => {
    busy = busy
      .then(async () => {
        if (closed) return;
        const p = istiodPod(store);
        if (running && (!p || p.pod.metadata.uid !== running.pod.metadata.uid)) await stop();
        if (p && !running) await start(p.pod, p.proxyImage);
      })
      .catch((e: unknown) => logger.warn('fake istiod: sync failed', { err: e as Error }));
  };

  const onChange = (ev: StoreEvent): void => {
    if (closed) return;
    if (ev.rt === PODS && ev.object.metadata.namespace === ROOT_NAMESPACE) sync();
    if (!running) return;
    if (ev.rt === MWC || (ev.rt === NAMESPACES && ev.type === 'ADDED') || (ev.rt === CONFIGMAPS && ev.object.metadata.name === 'istio-ca-root-cert')) {
      setImmediate(() => {
        try {
          if (closed) return;
          syncCaBundles();
          syncRootCerts();
        } catch (e) {
          logger.warn('fake istiod: controller failed', { err: e as Error });
        }
      });
    }
  };

  network.mesh = judge;
  store.events.on('change', onChange);
  sync();
  return {
    close: async () => {
      closed = true;
      store.events.off('change', onChange);
      if (network.mesh === judge) delete network.mesh;
      await busy;
      await stop();
    },
  };
}
