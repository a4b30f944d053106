/**
 * A simulated OPA Gatekeeper v3.23 (the `gatekeeper` lab's, labs/gatekeeper), alive while its pods
 * run in the fake cluster: pods of image openpolicyagent/gatekeeper whose command is /manager
 * (the kubelet runs them without a process, kubelet/layout.ts), their roles from `--operation=`
 * (webhook, audit, …; all roles without the flag), in the namespace they run in.
 *
 * - cert-controller (webhook pods): a CA and a serving certificate for
 *   `gatekeeper-webhook-service.<ns>.svc` (openssl, real TLS), written to the Secret
 *   gatekeeper-webhook-server-cert and as caBundle into gatekeeper-validating- and
 *   gatekeeper-mutating-webhook-configuration, as the real rotator does.
 * - webhook (webhook pods): one real HTTPS server on 127.0.0.1, registered in the fake pod network as
 *   each ready webhook pod's listener on its --port (8443, the container port `webhook-server` the
 *   manifest's Service targets), so kube-apiserver's admission webhooks reach it through the Service
 *   (webhooks/dispatcher.ts). /v1/admit runs every constraint whose match selects the object:
 *   enforcementAction deny → 403 `[<constraint>] <msg>` lines, warn → warnings, dryrun → nothing,
 *   scoped → its actions for validation.gatekeeper.sh; requests from Gatekeeper's own service
 *   account are allowed; constraints with an unknown enforcementAction are refused with
 *   Gatekeeper's error. /v1/admitlabel refuses the admission.gatekeeper.sh/ignore label outside the
 *   --exempt-namespace list. /v1/mutate admits unchanged (no mutators are simulated).
 * - template controller (any pod): a ConstraintTemplate whose Rego the fake recognises (rego.ts)
 *   gets its constraint CRD `<kind lower>.constraints.gatekeeper.sh` (Gatekeeper's schema: match,
 *   enforcementAction default deny, parameters from the template; printer columns
 *   ENFORCEMENT-ACTION, TOTAL-VIOLATIONS) and status.created/byPod; any other Rego gets an
 *   ingest_error in status.byPod saying the fake cannot evaluate it, and no CRD. Constraints get
 *   status.byPod (enforced).
 * - audit (audit pods): every auditIntervalMs (real default 60 s; here 1 s, env
 *   FAKE_GATEKEEPER_AUDIT_MS) the stored objects of the kinds constraints match are reviewed and
 *   status.auditTimestamp, totalViolations and violations[] (at most 20, sorted) are written.
 *
 * Not simulated: Rego other than the recognised library templates, CEL (K8sNativeValidation)
 * templates, the Config resource (sync, process exclusions), mutators (Assign, AssignMetadata,
 * ModifySet, AssignImage), expansion templates, external data, ValidatingAdmissionPolicy
 * generation, constraint/template pod-status CRs (status is written on the objects directly), audit
 * of kinds other than the fake API server's built-in ones, metrics and readiness endpoints.
 */
import { createServer } from 'node:https';
import type { Logger } from '../../../../server/log/index.js';
import type { ResourceApi } from '../api.js';
import { CRDS, type CustomResources } from '../crd/registry.js';
import { listenLocal, type LocalServer } from '../network/localServer.js';
import type { Listener, PodNetwork } from '../network/model.js';
import { findResource, RESOURCE_TYPES, type ResourceType } from '../resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { makeServingCerts, type ServingCerts } from '../webhookCerts.js';
import { constraintMatches } from './match.js';
import { knownRego, sortedMessages, type RegoInput } from './rego.js';
import { constraintCrd } from './schema.js';

const PODS = findResource('', 'v1', 'pods')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const VWC = findResource('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations')!;
const MWC = findResource('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations')!;

/** The image of Gatekeeper's pods (docker.io/openpolicyagent/gatekeeper). */
export const GATEKEEPER_IMAGE = /(^|\/)openpolicyagent\/gatekeeper(:|@|$)/;
const ALL_OPERATIONS = ['audit', 'status', 'webhook', 'mutation-status', 'mutation-webhook', 'generate'];
const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';
const IGNORE_LABEL = 'admission.gatekeeper.sh/ignore';
const VIOLATIONS_LIMIT = 20;
const ACTIONS = ['deny', 'dryrun', 'warn', 'scoped'];

/** Options for {@link startGatekeeper}. */
export interface GatekeeperOptions {
  store: ObjectStore;
  api: ResourceApi;
  network: PodNetwork;
  crds: CustomResources;
  logger: Logger;
  /** Audit interval (default env FAKE_GATEKEEPER_AUDIT_MS or 1000). */
  auditIntervalMs?: number;
}

/** A running Gatekeeper pod and what it does. */
interface GkPod {
  pod: KubeObject;
  operations: string[];
  port: number;
  exempt: string[];
}

function gatekeeperPods(store: ObjectStore): GkPod[] {
  const out: GkPod[] = [];
  for (const pod of store.list(PODS)) {
    if (pod.status?.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
    const ready = ((pod.status?.conditions ?? []) as Record<string, any>[]).some((c) => c.type === 'Ready' && c.status === 'True');
    const c = ((pod.spec?.containers ?? []) as Record<string, any>[]).find((x) => GATEKEEPER_IMAGE.test(String(x.image ?? '')) && String(x.command?.[0] ?? '/manager') === '/manager');
    if (!c || !ready) continue;
    const args = ((c.args ?? []) as unknown[]).map(String);
    const flag = (name: string): string[] => args.map((a) => new RegExp(`^--?${name}=(.*)$`).exec(a)?.[1]).filter((v): v is string => v !== undefined);
    const ops = flag('operation');
    out.push({ pod, operations: ops.length > 0 ? ops : ALL_OPERATIONS, port: Number(flag('port')[0] ?? 8443), exempt: flag('exempt-namespace') });
  }
  return out;
}

/** The template's Rego (v1 `targets[].rego`, or a `code` entry with engine Rego). */
function templateRego(t: KubeObject): string | undefined {
  const target = ((t.spec?.targets ?? []) as Record<string, any>[]).find((x) => x.target === 'admission.k8s.gatekeeper.sh');
  if (!target) return undefined;
  if (typeof target.rego === 'string') return target.rego;
  const code = ((target.code ?? []) as Record<string, any>[]).find((c) => c.engine === 'Rego');
  return typeof code?.source?.rego === 'string' ? code.source.rego : undefined;
}

const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Starts the simulation; `close` stops its server and timers and removes its listeners. */
export function startGatekeeper(opts: GatekeeperOptions): { close(): Promise<void> } {
  const { store, api, network, crds, logger } = opts;
  const auditMs = opts.auditIntervalMs ?? Number(process.env.FAKE_GATEKEEPER_AUDIT_MS ?? 1000);
  const listeners = new Map<string, Listener>();
  let server: LocalServer | undefined;
  let certs: ServingCerts | undefined;
  let pods: GkPod[] = [];
  let busy = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let auditTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const templateType = (): ResourceType | undefined => crds.find('templates.gatekeeper.sh', 'v1', 'constrainttemplates');
  const namespace = (): string => String(pods[0]?.pod.metadata.namespace ?? 'gatekeeper-system');

  /** Every constraint type served for a recognised template, with its implementation. */
  const constraintTypes = (): { rt: ResourceType; template: KubeObject; run: NonNullable<ReturnType<typeof knownRego>>['run'] }[] => {
    const tt = templateType();
    if (!tt) return [];
    const out = [];
    for (const t of store.list(tt)) {
      const kind = String(t.spec?.crd?.spec?.names?.kind ?? '');
      const rego = templateRego(t);
      const known = rego === undefined ? undefined : knownRego(rego);
      const rt = crds.find(CONSTRAINTS_GROUP, 'v1beta1', kind.toLowerCase());
      if (known && rt) out.push({ rt, template: t, run: known.run });
    }
    return out;
  };

  const makeCerts = async (): Promise<void> => {
    if (certs) return;
    const host = `gatekeeper-webhook-service.${namespace()}.svc`;
    certs = await makeServingCerts({ ca: { subject: '/O=gatekeeper/CN=gatekeeper-ca', days: 3650 }, subject: `/O=gatekeeper/CN=${host}`, dnsNames: [host], days: 3650, key: 'rsa' });
  };

  /** The rotator's writes: the Secret's keys and both configurations' caBundle. */
  const injectCerts = (): void => {
    if (!certs) return;
    const ns = namespace();
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const secret = store.get(SECRETS, ns, 'gatekeeper-webhook-server-cert');
    const data = { 'ca.crt': b64(certs.caCrt), 'ca.key': b64(certs.caKey), 'tls.crt': b64(certs.crt), 'tls.key': b64(certs.key) };
    if (secret && !eq(secret.data, data)) store.update(SECRETS, { ...secret, data });
    const bundle = b64(certs.caCrt);
    for (const [rt, name] of [[VWC, 'gatekeeper-validating-webhook-configuration'], [MWC, 'gatekeeper-mutating-webhook-configuration']] as const) {
      const cfg = store.get(rt, '', name);
      if (!cfg) continue;
      const webhooks = ((cfg.webhooks ?? []) as Record<string, any>[]).map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle: bundle } }));
      if (!eq(webhooks, cfg.webhooks)) store.update(rt, { ...cfg, webhooks });
    }
  };

  const startServer = async (): Promise<void> => {
    if (server || !certs) return;
    const s = createServer({ cert: certs.crt, key: certs.key }, (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 8 * 1024 * 1024) chunks.push(c);
      });
      req.on('end', () => {
        let review: Record<string, any>;
        try {
          review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        } catch {
          res.writeHead(400).end('contentType=, expected application/json');
          return;
        }
        const path = (req.url ?? '').split('?')[0];
        const request = (review.request ?? {}) as Record<string, any>;
        const response = path === '/v1/admit' ? admit(request) : path === '/v1/admitlabel' ? admitLabel(request) : path === '/v1/mutate' ? { allowed: true, status: { code: 200, message: 'No mutators' } } : undefined;
        if (!response) {
          res.writeHead(404).end('404 page not found\n');
          return;
        }
        const body = JSON.stringify({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', response: { uid: request.uid, ...response } });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
      });
    });
    server = await listenLocal(s);
  };

  const stopServer = async (): Promise<void> => {
    const s = server;
    server = undefined;
    if (!s) return;
    await s.close();
  };

  /** The constraints' verdicts on one object: deny and warn messages (`[<name>] <msg>`). */
  const review = (request: Record<string, any>, point: string): { deny: string[]; warn: string[]; violations: { constraint: KubeObject; action: string; msg: string }[] } => {
    const object = (request.operation === 'DELETE' ? request.oldObject : request.object) as Record<string, any> | undefined;
    const out = { deny: [] as string[], warn: [] as string[], violations: [] as { constraint: KubeObject; action: string; msg: string }[] };
    if (!object) return out;
    const kind = (request.kind ?? {}) as { group: string; version: string; kind: string };
    const nsName = String(object.metadata?.namespace ?? request.namespace ?? '');
    const nsLabels = nsName ? ((store.get(NAMESPACES, '', nsName)?.metadata.labels ?? {}) as Record<string, string>) : undefined;
    const input: RegoInput['review'] = { object, oldObject: request.oldObject ?? null, kind, operation: String(request.operation ?? ''), namespace: nsName, name: String(object.metadata?.name ?? '') };
    for (const { rt, run } of constraintTypes()) {
      for (const c of store.list(rt).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))) {
        if (!constraintMatches(c.spec?.match, { group: kind.group, kind: kind.kind, object, namespaceLabels: nsLabels })) continue;
        const msgs = sortedMessages(run({ review: input, parameters: c.spec?.parameters }));
        if (msgs.length === 0) continue;
        const action = String(c.spec?.enforcementAction ?? 'deny');
        let actions = [action];
        if (action === 'scoped') {
          actions = ((c.spec?.scopedEnforcementActions ?? []) as Record<string, any>[])
            .filter((s) => ((s.enforcementPoints ?? []) as Record<string, any>[]).some((p) => p.name === point || p.name === '*'))
            .map((s) => String(s.action));
        }
        for (const msg of msgs) {
          for (const a of actions) {
            out.violations.push({ constraint: c, action: a, msg });
            if (a === 'deny') out.deny.push(`[${String(c.metadata.name)}] ${msg}`);
            if (a === 'warn') out.warn.push(`[${String(c.metadata.name)}] ${msg}`);
          }
        }
      }
    }
    return out;
  };

  /** /v1/admit (pkg/webhook/policy.go). */
  const admit = (request: Record<string, any>): Record<string, unknown> => {
    if (request.userInfo?.username === `system:serviceaccount:${namespace()}:gatekeeper-admin`) return { allowed: true, status: { code: 200, message: 'Gatekeeper does not self-manage' } };
    if (request.kind?.group === CONSTRAINTS_GROUP) {
      const action = request.object?.spec?.enforcementAction;
      if (action !== undefined && action !== '' && !ACTIONS.includes(String(action))) {
        return { allowed: false, status: { code: 500, message: `unrecognized enforcementAction: ${JSON.stringify(String(action))} is not within the supported list [${ACTIONS.join(' ')}]` } };
      }
    }
    const r = review(request, 'validation.gatekeeper.sh');
    if (r.deny.length > 0) return { allowed: false, status: { reason: 'Forbidden', code: 403, message: r.deny.join('\n') }, ...(r.warn.length ? { warnings: r.warn } : {}) };
    return { allowed: true, status: { code: r.warn.length > 0 ? 299 : 200 }, ...(r.warn.length ? { warnings: r.warn } : {}) };
  };

  /** /v1/admitlabel (pkg/webhook/namespacelabel.go). */
  const admitLabel = (request: Record<string, any>): Record<string, unknown> => {
    if (request.operation === 'DELETE') return { allowed: true, status: { code: 200, message: 'Delete is always allowed' } };
    if (request.kind?.group !== '' || request.kind?.kind !== 'Namespace') return { allowed: true, status: { code: 200, message: 'Not a namespace' } };
    const name = String(request.object?.metadata?.name ?? '');
    const exempt = new Set(pods.flatMap((p) => p.exempt));
    if (exempt.has(name)) return { allowed: true, status: { code: 200, message: `Namespace ${name} is allowed to set ${IGNORE_LABEL}` } };
    if (IGNORE_LABEL in (request.object?.metadata?.labels ?? {})) return { allowed: false, status: { reason: 'Forbidden', code: 403, message: `Only exempt namespace can have the ${IGNORE_LABEL} label` } };
    return { allowed: true, status: { code: 200, message: `Namespace is not setting the ${IGNORE_LABEL} label` } };
  };

  /** The template controller: constraint CRDs and template status. */
  const syncTemplates = (): void => {
    const tt = templateType();
    if (!tt || pods.length === 0) return;
    const wanted = new Set<string>();
    for (const t of store.list(tt)) {
      const rego = templateRego(t);
      const known = rego === undefined ? undefined : knownRego(rego);
      const kind = String(t.spec?.crd?.spec?.names?.kind ?? '');
      const byPod = pods.map((p) => ({
        id: String(p.pod.metadata.name),
        observedGeneration: t.metadata.generation ?? 1,
        operations: p.operations,
        templateUID: t.metadata.uid,
        ...(known ? {} : { errors: [{ code: 'ingest_error', message: `fake Gatekeeper cannot evaluate this Rego (not simulated): only the gatekeeper-library templates shipped on the node (/opt/gatekeeper-library) are recognised — on a real cluster Gatekeeper evaluates any Rego` }] }),
      }));
      if (known && kind) {
        const crd = constraintCrd(t, kind);
        wanted.add(crd.metadata.name);
        const current = store.get(CRDS, '', crd.metadata.name);
        try {
          if (!current) api.createObject(CRDS, crd);
          else if (!eq(current.spec, { ...current.spec, ...crd.spec }) || !eq(current.metadata.labels, crd.metadata.labels)) store.update(CRDS, { ...current, metadata: { ...current.metadata, labels: crd.metadata.labels }, spec: { ...current.spec, ...crd.spec } });
        } catch (e) {
          logger.warn('fake gatekeeper: constraint CRD not created', { err: e as Error });
        }
      }
      const status = { ...(known && kind ? { created: true } : {}), byPod };
      if (!eq(t.status, status)) {
        const fresh = store.get(tt, '', t.metadata.name);
        if (fresh) store.update(tt, { ...fresh, status });
      }
    }
    // A template's deletion takes its CRD (ownerReference → garbage collection), with its constraints.
    for (const crd of store.list(CRDS)) {
      if (crd.spec?.group === CONSTRAINTS_GROUP && crd.metadata.labels?.['gatekeeper.sh/constraint'] === 'yes' && !wanted.has(crd.metadata.name)) store.delete(CRDS, '', crd.metadata.name);
    }
    for (const { rt } of constraintTypes()) {
      for (const c of store.list(rt)) {
        const byPod = pods.map((p) => ({ constraintUID: c.metadata.uid, enforced: true, id: String(p.pod.metadata.name), observedGeneration: c.metadata.generation ?? 1, operations: p.operations }));
        if (!eq(c.status?.byPod, byPod)) store.update(rt, { ...c, status: { ...(c.status ?? {}), byPod } });
      }
    }
  };

  /** One audit run (pkg/audit/manager.go): status.auditTimestamp, totalViolations, violations[]. */
  const audit = (): void => {
    if (closed || !pods.some((p) => p.operations.includes('audit'))) return;
    const types = constraintTypes();
    const timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const { rt, run } of types) {
      for (const c of store.list(rt)) {
        const found: Record<string, unknown>[] = [];
        for (const target of auditedTypes(c.spec?.match)) {
          for (const o of store.list(target)) {
            const object = { ...o, apiVersion: target.group ? `${target.group}/${target.version}` : target.version, kind: target.kind };
            const nsLabels = o.metadata.namespace ? ((store.get(NAMESPACES, '', String(o.metadata.namespace))?.metadata.labels ?? {}) as Record<string, string>) : undefined;
            if (!constraintMatches(c.spec?.match, { group: target.group, kind: target.kind, object, namespaceLabels: nsLabels })) continue;
            const msgs = sortedMessages(run({ review: { object, kind: { group: target.group, version: target.version, kind: target.kind }, operation: '', namespace: String(o.metadata.namespace ?? ''), name: String(o.metadata.name) }, parameters: c.spec?.parameters }));
            const action = String(c.spec?.enforcementAction ?? 'deny');
            for (const message of msgs) {
              found.push({ group: target.group, version: target.version, kind: target.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), message, enforcementAction: action });
            }
          }
        }
        const key = (v: Record<string, unknown>): string => [v.group, v.version, v.kind, v.namespace ?? '', v.name, v.message, v.enforcementAction].join('\u0000');
        found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
        const fresh = store.get(rt, '', c.metadata.name);
        if (!fresh) continue;
        const next = { ...(fresh.status ?? {}), auditTimestamp: timestamp, totalViolations: found.length, violations: found.slice(0, VIOLATIONS_LIMIT) };
        const same = eq({ ...fresh.status, auditTimestamp: undefined }, { ...next, auditTimestamp: undefined });
        const stale = Date.now() - Date.parse(String(fresh.status?.auditTimestamp ?? 0)) > 30_000;
        if (!same || stale) store.update(rt, { ...fresh, status: next });
      }
    }
  };

  /** The built-in kinds a constraint's match.kinds names (all of them for `*` or no kinds). */
  const auditedTypes = (match: Record<string, any> | undefined): ResourceType[] => {
    const kinds = (Array.isArray(match?.kinds) ? match!.kinds : []) as Record<string, unknown>[];
    const stored = RESOURCE_TYPES.filter((t) => !t.review && t.version === 'v1');
    if (kinds.length === 0) return stored;
    return stored.filter((t) => kinds.some((k) => {
      const ks = Array.isArray(k.kinds) ? k.kinds.map(String) : [];
      const gs = Array.isArray(k.apiGroups) ? k.apiGroups.map(String) : [];
      return (ks.length === 0 || ks.includes('*') || ks.includes(t.kind)) && (gs.length === 0 || gs.includes('*') || gs.includes(t.group));
    }));
  };

  const sync = async (): Promise<void> => {
    pods = gatekeeperPods(store);
    const webhookPods = pods.filter((p) => p.operations.includes('webhook'));
    if (webhookPods.length > 0) {
      await makeCerts();
      injectCerts();
      await startServer();
    }
    // Each ready webhook pod's port leads to the server; gone pods lose theirs.
    const port = server?.port;
    const live = new Set(webhookPods.map((p) => String(p.pod.metadata.uid)));
    for (const [uid, l] of listeners) {
      if (!live.has(uid) || port === undefined) {
        network.listeners.delete(l);
        listeners.delete(uid);
      }
    }
    if (port !== undefined) {
      for (const p of webhookPods) {
        const uid = String(p.pod.metadata.uid);
        if (listeners.has(uid)) continue;
        const l: Listener = { podUid: uid, port: p.port, protocol: 'TCP', proxyPort: port };
        network.listeners.add(l);
        listeners.set(uid, l);
      }
    }
    if (webhookPods.length === 0 && server) await stopServer();
    syncTemplates();
    if (pods.some((p) => p.operations.includes('audit'))) {
      auditTimer ??= setInterval(audit, auditMs);
    } else if (auditTimer) {
      clearInterval(auditTimer);
      auditTimer = undefined;
    }
  };

  const schedule = (): void => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      busy = busy.then(sync).catch((e: unknown) => logger.warn('fake gatekeeper: sync failed', { err: e as Error }));
    }, 20);
  };
  const interesting = (ev: StoreEvent): boolean =>
    ev.rt === PODS || ev.rt === VWC || ev.rt === MWC || ev.rt === SECRETS || ev.rt === CRDS || ev.rt.group === 'templates.gatekeeper.sh' || (ev.rt.group === CONSTRAINTS_GROUP && ev.type !== 'MODIFIED');
  const onChange = (ev: StoreEvent): void => {
    if (interesting(ev)) schedule();
  };
  store.events.on('change', onChange);
  schedule();

  return {
    close: async () => {
      closed = true;
      store.events.off('change', onChange);
      if (timer) clearTimeout(timer);
      if (auditTimer) clearInterval(auditTimer);
      await busy;
      for (const l of listeners.values()) network.listeners.delete(l);
      listeners.clear();
      await stopServer();
    },
  };
}
