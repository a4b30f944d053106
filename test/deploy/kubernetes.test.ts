/**
 * deploy/kubernetes (the kustomize base that installs CKS Lab into a Kubernetes cluster) and the
 * lab pod image, checked without a cluster: the real `kubectl kustomize` renders the base (and the
 * base with its ingress Component, through an operator's overlay as the README shows), every object
 * is validated against the Kubernetes 1.34 OpenAPI schemas (kubernetes-models 5.1.0) and, for unknown
 * fields, which those schemas let through but `kubectl apply` (strict field validation) refuses,
 * against the 1.34 models of @kubernetes/client-node. Then what a reviewer cares about: least RBAC,
 * a non-root read-only platform pinned by digest, settings the platform accepts, and NetworkPolicies
 * that — evaluated rule by rule — keep lab pods away from the platform and from each other.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../server/config/index.js';
import { LAB_POD_LABELS, labPodManifest, POD_WORK_DIR } from '../../server/clusters/kubernetes/labPod.js';
import { kubernetesSettings } from '../../server/clusters/kubernetes/settings.js';
import { loadLabs } from '../../server/clusters/labs.js';
import { ROOT } from '../helpers/testServer.js';
import { argsOf, instructions, stagesOf } from './dockerfile.js';
import { allowed as allowedIn, selects, type Endpoint, type Obj as PolicyObj } from './networkPolicy.js';
import { unknownFields } from './strictFields.js';

const run = promisify(execFile);
const BASE = join(ROOT, 'deploy', 'kubernetes');
type Obj = Record<string, any>;

async function kustomize(dir: string): Promise<Obj[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJSON() as Obj).filter(Boolean);
}

/**
 * An operator's overlay exactly as deploy/kubernetes/README.md shows it (the base, its ingress
 * Component, their two images), with the paths pointed at this checkout and the digests filled in.
 */
const PLATFORM_IMAGE = `registry.example.com/cks-lab/cks-lab@sha256:${'1'.repeat(64)}`;
const LAB_POD_IMAGE = `registry.example.com/cks-lab/lab-pod@sha256:${'2'.repeat(64)}`;
function overlay(dir: string): string {
  const readme = readFileSync(join(BASE, 'README.md'), 'utf8');
  const snippet = /```yaml\n(# my-cks-lab\/kustomization\.yaml[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(snippet, 'deploy/kubernetes/README.md shows an overlay (# my-cks-lab/kustomization.yaml)');
  const filled = snippet
    .replaceAll('../cks-lab/deploy/kubernetes', relative(dir, BASE))
    .replace("sha256:<the platform image's digest>", PLATFORM_IMAGE.split('@')[1]!)
    .replace("sha256:<the lab pod's digest>", LAB_POD_IMAGE.split('@')[1]!);
  assert.ok(!filled.includes('<'), `every placeholder of the README's overlay is filled: ${filled}`);
  return filled;
}

/** Every kind the manifests may hold → its Kubernetes 1.34 model (a new kind must be added here). */
const MODELS: Record<string, { schema: { new (data: any): { validate(): void } }; strict: string }> = {
  'v1/Namespace': { schema: Namespace, strict: 'V1Namespace' },
  'v1/ServiceAccount': { schema: ServiceAccount, strict: 'V1ServiceAccount' },
  'v1/ConfigMap': { schema: ConfigMap, strict: 'V1ConfigMap' },
  'v1/Secret': { schema: Secret, strict: 'V1Secret' },
  'v1/Service': { schema: Service, strict: 'V1Service' },
  'v1/PersistentVolumeClaim': { schema: PersistentVolumeClaim, strict: 'V1PersistentVolumeClaim' },
  'v1/Pod': { schema: Pod, strict: 'V1Pod' },
  'apps/v1/Deployment': { schema: Deployment, strict: 'V1Deployment' },
  'rbac.authorization.k8s.io/v1/Role': { schema: Role, strict: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { schema: RoleBinding, strict: 'V1RoleBinding' },
  'policy/v1/PodDisruptionBudget': { schema: PodDisruptionBudget, strict: 'V1PodDisruptionBudget' },
  'networking.k8s.io/v1/NetworkPolicy': { schema: NetworkPolicy, strict: 'V1NetworkPolicy' },
  'networking.k8s.io/v1/Ingress': { schema: Ingress, strict: 'V1Ingress' },
};

function validateAll(objects: Obj[]): void {
  for (const o of objects) {
    const id = `${o.apiVersion}/${o.kind}`;
    const model = MODELS[id];
    assert.ok(model, `${id} ${o.metadata?.name}: no Kubernetes 1.34 model listed for this kind in the test`);
    try {
      new model.schema(o).validate();
    } catch (e) {
      assert.fail(`${id} ${o.metadata?.name} is not valid against the Kubernetes 1.34 schema: ${(e as Error).message}`);
    }
    assert.deepEqual(unknownFields(o, model.strict, o.kind, []), [], `${id} ${o.metadata?.name}: fields Kubernetes 1.34 does not know`);
  }
}

/** The namespaces the connection checks place pods in, with the label Kubernetes sets on each. */
const NAMESPACE_LABELS: Record<string, Record<string, string>> = {
  'cks-lab': { 'kubernetes.io/metadata.name': 'cks-lab' },
  'ingress-nginx': { 'kubernetes.io/metadata.name': 'ingress-nginx' },
  'kube-system': { 'kubernetes.io/metadata.name': 'kube-system' },
  default: { 'kubernetes.io/metadata.name': 'default' },
};
const allowed = (policies: PolicyObj[], src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP'): boolean => allowedIn(policies, src, dst, port, protocol, NAMESPACE_LABELS);

const find = (objects: Obj[], kind: string, name?: string): Obj => {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata?.name === name));
  assert.ok(o, `the manifests hold a ${kind}${name ? ` ${name}` : ''}`);
  return o;
};


describe('deploy/kubernetes (kustomize base, Kubernetes 1.34 schemas)', function () {
  this.timeout(60_000);
  let base: Obj[];
  let withIngress: Obj[];
  let overlayDir: string;
  const labs = loadLabs(join(ROOT, 'labs'));
  const LAB_POD_SETTINGS = {
    namespace: 'cks-lab',
    image: LAB_POD_IMAGE,
    nodeMemoryMiB: 1024,
    nodeCpuMillis: 500,
    nodeSelector: { 'cks-lab.io/pool': 'labs' },
    tolerations: [{ key: 'cks-lab.io/pool', operator: 'Equal' as const, value: 'labs', effect: 'NoSchedule' as const }],
    poolCapabilities: [],
  };

  before(async () => {
    overlayDir = mkdtempSync(join(tmpdir(), 'cks-deploy-overlay-'));
    writeFileSync(join(overlayDir, 'kustomization.yaml'), overlay(overlayDir));
    [base, withIngress] = await Promise.all([kustomize(BASE), kustomize(overlayDir)]);
  });
  after(() => rmSync(overlayDir, { recursive: true, force: true }));

  const deployment = (objs: Obj[]): Obj => find(objs, 'Deployment', 'cks-lab');
  const platformPod = (objs: Obj[]): Obj => deployment(objs).spec.template;
  const container = (objs: Obj[]): Obj => platformPod(objs).spec.containers[0];
  /** The container's environment as the kubelet would set it (ConfigMap envFrom, then env literals). */
  const containerEnv = (objs: Obj[]): Record<string, string> => {
    const c = container(objs);
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) Object.assign(env, find(objs, 'ConfigMap', from.configMapRef.name).data);
    for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
    return env;
  };

  it('renders with kubectl kustomize and every object validates against the Kubernetes 1.34 schemas, with no unknown field', () => {
    assert.ok(base.length >= 10, `rendered ${base.length} objects`);
    validateAll(base);
    validateAll(withIngress);
    // The models do catch a wrong type, and the strict walk an unknown field (so the checks above bite).
    assert.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { replicas: '1' } } as any).validate(), /replicas/);
    assert.deepEqual(unknownFields({ spec: { template: { spec: { containers: [{ name: 'a', imagePullPolicey: 'Always' }] } } } }, 'V1Deployment', 'Deployment', []), ['Deployment.spec.template.spec.containers[0].imagePullPolicey']);
  });

  it('the lab pod the platform creates validates against the 1.34 Pod schema too, for every lab', () => {
    for (const lab of labs.values()) validateAll([labPodManifest(`learner-${lab.id}`, lab, LAB_POD_SETTINGS)]);
  });

  it('puts everything in one namespace that admits privileged lab pods, and nothing cluster-wide besides the Namespace', () => {
    const ns = find(base, 'Namespace');
    assert.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'privileged');
    for (const o of base.filter((x) => x.kind !== 'Namespace')) assert.equal(o.metadata.namespace, ns.metadata.name, `${o.kind} ${o.metadata.name}`);
    for (const kind of ['ClusterRole', 'ClusterRoleBinding']) assert.ok(!base.some((o) => o.kind === kind), `no ${kind}`);
  });

  it('grants the platform exactly pods create/get/list/watch/delete and pods/exec create+get, in its namespace', () => {
    const role = find(base, 'Role', 'cks-lab');
    const grants = role.rules.flatMap((r: Obj) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${g || 'core'}/${res}:${v}`)))).sort();
    assert.deepEqual(grants, ['core/pods/exec:create', 'core/pods/exec:get', 'core/pods:create', 'core/pods:delete', 'core/pods:get', 'core/pods:list', 'core/pods:watch']);
    assert.ok(role.rules.every((r: Obj) => !r.resourceNames && !r.nonResourceURLs), 'no resourceNames or nonResourceURLs');
    const binding = find(base, 'RoleBinding', 'cks-lab');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cks-lab' });
    const sa = find(base, 'ServiceAccount');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    assert.equal(platformPod(base).spec.serviceAccountName, sa.metadata.name);
    assert.notEqual(sa.automountServiceAccountToken, false, 'the platform uses its ServiceAccount token');
    assert.notEqual(platformPod(base).spec.automountServiceAccountToken, false);
  });

  it('runs one platform replica (Recreate: SQLite on a ReadWriteOnce volume), pinned by digest, overridable by kustomize images', () => {
    const d = deployment(base);
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.strategy.type, 'Recreate');
    assert.match(container(base).image, /^[a-z0-9.\-/:]+@sha256:[a-f0-9]{64}$/, 'the platform image is pinned by digest');
    assert.equal(container(withIngress).image, PLATFORM_IMAGE, "an overlay's images: entry replaces it");
    const pvc = find(base, 'PersistentVolumeClaim');
    assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
  });

  it('runs the platform non-root with a read-only root filesystem, nothing privileged (Pod Security "restricted"), writable volumes where it writes', () => {
    const pod = platformPod(base).spec;
    const c = container(base);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0, 'a non-zero uid');
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.ok(!c.securityContext.capabilities.add, 'no capability added');
    assert.ok(!c.securityContext.privileged, 'not privileged');
    assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, 'no host namespaces');
    assert.ok(pod.volumes.every((v: Obj) => !v.hostPath), 'no hostPath volume');
    const env = containerEnv(base);
    const mounts = new Map(c.volumeMounts.map((m: Obj) => [m.mountPath, m.name]));
    const pvcVolume = pod.volumes.find((v: Obj) => v.persistentVolumeClaim?.claimName === find(base, 'PersistentVolumeClaim').metadata.name);
    assert.ok(pvcVolume, 'the data volume is the PVC');
    assert.equal(mounts.get(env.CKS_DATA_DIR), pvcVolume.name, 'CKS_DATA_DIR is on the PVC');
    assert.ok([...mounts.keys()].includes('/tmp') && env.HOME?.startsWith('/tmp') && env.KUBECACHEDIR?.startsWith('/tmp'), "kubectl's cache and $HOME are on a writable volume");
    assert.ok(pod.securityContext.fsGroup > 0, 'the volume is writable by the non-root uid (fsGroup)');
  });

  it('probes /api/health (startup, liveness) and /api/ready (readiness) on the port the platform listens on, and sets requests and limits', () => {
    const c = container(base);
    const env = containerEnv(base);
    const http = c.ports.find((p: Obj) => p.name === 'http');
    assert.equal(String(http.containerPort), env.CKS_PORT, 'the container port is CKS_PORT');
    assert.equal(env.CKS_HOST, '0.0.0.0', 'listens on the pod address, not loopback');
    for (const [probe, path] of [['startupProbe', '/api/health'], ['livenessProbe', '/api/health'], ['readinessProbe', '/api/ready']] as const) {
      assert.equal(c[probe].httpGet.path, path, probe);
      assert.equal(c[probe].httpGet.port, 'http', probe);
    }
    // The paths are the server's own routes.
    const app = readFileSync(join(ROOT, 'server', 'http', 'app.ts'), 'utf8');
    assert.match(app, /app\.get\('\/api\/ready'/);
    assert.match(app, /r\.get\('\/health'/);
    assert.match(app, /app\.use\('\/api', apiRouter\(/);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, 'requests and a memory limit');
  });

  it('the settings it ships are variables the platform reads, and the platform accepts them once the lab pod image is set', () => {
    const source = ['server/config/index.ts', 'server/clusters/kubernetes/settings.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const read = new Set([...source.matchAll(/\b(CKS_[A-Z0-9_]+[A-Z0-9])\b/g)].map((m) => m[1]!));
    const env = containerEnv(withIngress);
    for (const key of Object.keys(env).filter((k) => k.startsWith('CKS_'))) assert.ok(read.has(key), `${key} is not a setting the platform reads (a typo?)`);
    assert.equal(env.CKS_PROVIDER, 'kubernetes');
    // As in the pod: the namespace comes from the ServiceAccount volume.
    const nsFile = join(overlayDir, 'namespace');
    writeFileSync(nsFile, `${deployment(withIngress).metadata.namespace}\n`);
    const k8s = kubernetesSettings(env, Number(env.CKS_CLUSTER_MEMORY_MB), nsFile);
    assert.equal(k8s.settings.namespace, 'cks-lab');
    assert.equal(k8s.settings.image, LAB_POD_IMAGE);
    assert.deepEqual(k8s.settings.nodeSelector, { 'cks-lab.io/pool': 'labs' }, 'lab pods go to the dedicated pool');
    assert.deepEqual(k8s.settings.tolerations, LAB_POD_SETTINGS.tolerations, "and tolerate its taint");
    const config = loadConfig({}, { ...env, CKS_K8S_NAMESPACE: 'cks-lab' });
    assert.equal(config.provider.kind, 'kubernetes');
    assert.equal(config.dataDir, '/data');
    assert.equal(config.publicUrl, 'https://cks-lab.example.com');
    assert.equal(config.secureCookies, true);
    // The base as shipped (no lab pod image yet) refuses to start, saying what to build and set.
    assert.throws(() => kubernetesSettings(containerEnv(base), 1024, nsFile), /CKS_K8S_LAB_POD_IMAGE .*deploy\/kubernetes\/lab-pod/);
    // The instructor token comes from an optional Secret (generated at first start without it).
    const token = container(base).env.find((e: Obj) => e.name === 'CKS_INSTRUCTOR_TOKEN');
    assert.equal(token.valueFrom.secretKeyRef.optional, true);
    const settings = find(base, 'ConfigMap').data;
    assert.deepEqual(Object.keys(settings).filter((k) => /TOKEN|PASSWORD|SECRET|KEY/.test(k)), [], 'no credential in the ConfigMap');
  });

  it('keeps the platform off lab-pool nodes, and lab pods off its node (symmetric required anti-affinity)', () => {
    const lab = labPodManifest('learner-a', labs.get('default')!, LAB_POD_SETTINGS) as Obj;
    const pod = platformPod(base).spec;
    const terms = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    assert.ok(terms.some((t: Obj) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector, lab.metadata.labels)), 'anti-affinity selects lab pods per node');
    assert.ok(!selects(terms[0].labelSelector, platformPod(base).metadata.labels), 'and not the platform itself');
    assert.ok(!(pod.tolerations ?? []).some((t: Obj) => t.key === 'cks-lab.io/pool'), 'the platform does not tolerate the lab pool taint');
  });

  it('a Service and a PodDisruptionBudget select the platform pod; the budget does not block node drains forever', () => {
    const labels = platformPod(base).metadata.labels;
    const svc = find(base, 'Service');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.ok(selects({ matchLabels: svc.spec.selector }, labels));
    assert.ok(container(base).ports.some((p: Obj) => p.name === svc.spec.ports[0].targetPort));
    const pdb = find(base, 'PodDisruptionBudget');
    assert.ok(selects(pdb.spec.selector, labels));
    // With one replica, maxUnavailable 0 or minAvailable 1 would refuse every eviction.
    assert.ok(pdb.spec.maxUnavailable >= deployment(base).spec.replicas || pdb.spec.minAvailable === 0, 'one replica may be evicted');
  });

  describe('NetworkPolicies (evaluated rule by rule)', () => {
    let platform: Endpoint;
    let labA: Endpoint;
    let labB: Endpoint;
    const dns: Endpoint = { name: 'kube-dns', ip: '10.244.0.2', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    const controller: Endpoint = { name: 'ingress controller', ip: '10.244.4.40', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
    const otherPod: Endpoint = { name: 'a pod in default', ip: '10.244.5.50', namespace: 'default', labels: { app: 'web' } };
    const internet: Endpoint = { name: 'a public registry', ip: '203.0.113.7' };
    const metadata: Endpoint = { name: 'cloud metadata', ip: '169.254.169.254' };
    const node: Endpoint = { name: 'a node', ip: '192.168.10.5' };
    const policies = (objs: Obj[]): Obj[] => objs.filter((o) => o.kind === 'NetworkPolicy');

    before(() => {
      platform = { name: 'platform', ip: '10.244.1.10', namespace: 'cks-lab', labels: platformPod(base).metadata.labels, ports: { http: Number(containerEnv(base).CKS_PORT) } };
      const labPod = (n: string, ip: string): Endpoint => ({ name: n, ip, namespace: 'cks-lab', labels: (labPodManifest(n, labs.get('default')!, LAB_POD_SETTINGS) as Obj).metadata.labels });
      labA = labPod('learner-a', '10.244.2.20');
      labB = labPod('learner-b', '10.244.3.30');
    });

    it('select lab pods by the labels labPod.ts gives them (a rename breaks this test)', () => {
      const labPolicy = policies(base).find((p) => selects(p.spec.podSelector, labA.labels!) && p.spec.podSelector.matchLabels);
      assert.ok(labPolicy, 'a policy selects lab pods');
      assert.deepEqual(Object.keys(labPolicy.spec.podSelector.matchLabels).sort(), [LAB_POD_LABELS.component, LAB_POD_LABELS.managedBy].sort());
      assert.ok(!selects(labPolicy.spec.podSelector, platform.labels!), 'not the platform');
    });

    for (const variant of ['base', 'with the ingress component'] as const) {
      it(`${variant}: lab pods accept only the platform on 6443, reach DNS and the internet, never the platform, each other, nodes or the metadata endpoint`, () => {
        const p = policies(variant === 'base' ? base : withIngress);
        assert.ok(allowed(p, platform, labA, 6443), 'platform → lab pod API server');
        assert.ok(!allowed(p, platform, labA, 22), 'platform → lab pod, another port');
        assert.ok(!allowed(p, labB, labA, 6443), 'lab pod → another lab pod API server');
        assert.ok(!allowed(p, labA, labB, 2375), 'lab pod → another lab pod, any port');
        assert.ok(!allowed(p, otherPod, labA, 6443), 'a pod of another namespace → lab pod');
        assert.ok(!allowed(p, internet, labA, 6443), 'outside → lab pod');
        assert.ok(!allowed(p, labA, platform, 3000), 'lab pod → platform');
        assert.ok(!allowed(p, labA, otherPod, 80), 'lab pod → other workloads');
        assert.ok(!allowed(p, labA, node, 10250), 'lab pod → a node (kubelet)');
        assert.ok(!allowed(p, labA, metadata, 80), 'lab pod → cloud metadata');
        assert.ok(allowed(p, labA, dns, 53, 'UDP') && allowed(p, labA, dns, 53, 'TCP'), 'lab pod → DNS');
        assert.ok(allowed(p, labA, internet, 443), 'lab pod → public registry (image pulls)');
        assert.ok(allowed(p, platform, dns, 53, 'UDP'), 'platform → DNS');
        assert.ok(allowed(p, platform, node, 6443) && allowed(p, platform, internet, 443), 'platform → the Kubernetes API (6443 or 443)');
        assert.ok(!allowed(p, platform, otherPod, 80), 'platform → other workloads');
        assert.ok(allowed(p, controller, platform, 3000), 'ingress controller → platform');
      });
    }

    it('base: the platform port is open to any client; with the ingress component only to the controller', () => {
      assert.ok(allowed(policies(base), otherPod, platform, 3000) && allowed(policies(base), internet, platform, 3000));
      assert.ok(!allowed(policies(withIngress), otherPod, platform, 3000), 'another pod → platform, with the ingress component');
      assert.ok(!allowed(policies(withIngress), controller, platform, 22), 'controller → platform, another port');
    });
  });

  it('the ingress component: an Ingress to the Service port, long timeouts for socket.io terminals, TLS, a Secure cookie', () => {
    const ing = find(withIngress, 'Ingress');
    const svc = find(withIngress, 'Service');
    const backend = ing.spec.rules[0].http.paths[0].backend.service;
    assert.equal(backend.name, svc.metadata.name);
    assert.ok(svc.spec.ports.some((p: Obj) => p.name === backend.port.name));
    assert.ok(Number(ing.metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) >= 3600, 'an idle terminal is not cut after 60 s');
    assert.ok(ing.spec.tls?.[0]?.secretName);
    assert.equal(containerEnv(withIngress).CKS_SECURE_COOKIES, '1');
    assert.ok(!base.some((o) => o.kind === 'Ingress'), 'the base has no Ingress');
  });
});

describe('deploy/kubernetes/lab-pod/Dockerfile (hadolint-style rules)', () => {
  const file = join(ROOT, 'deploy', 'kubernetes', 'lab-pod', 'Dockerfile');
  const all = instructions(readFileSync(file, 'utf8'));
  const stages = stagesOf(all);
  const final = stages[stages.length - 1]!;
  const top = argsOf(stagesOf(instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))).pop()!);
  const manifest = labPodManifest('x', { id: 'default' }, { namespace: 'cks-lab', image: 'x', nodeMemoryMiB: 1024, nodeCpuMillis: 500, nodeSelector: {}, tolerations: [], poolCapabilities: [] }) as Obj;

  it('FROM the docker dind image pinned by version and digest (DL3006/DL3007)', () => {
    for (const from of all.filter((i) => i.op === 'FROM')) {
      const image = from.args.split(/\s+/)[0]!;
      assert.match(image, /^docker:\d+\.\d+\.\d+-dind@sha256:[a-f0-9]{64}$/, `line ${from.line}: ${image}`);
    }
    assert.equal(/^docker:([\d.]+)-dind/.exec(final[0]!.args)?.[1], top.get('DOCKER_VERSION'), 'the same Docker release as the platform image');
  });

  it('verifies every download by SHA-256 in the same RUN, with the versions and checksums the platform image pins', () => {
    const args = argsOf(final);
    for (const tool of ['KIND', 'KUBECTL']) {
      assert.match(args.get(`${tool}_VERSION`) ?? '', /^v\d+\.\d+\.\d+$/);
      assert.equal(args.get(`${tool}_VERSION`), top.get(`${tool}_VERSION`), `${tool}_VERSION as in the top-level Dockerfile`);
      assert.equal(args.get(`${tool}_SHA256`), top.get(`${tool}_SHA256`), `${tool}_SHA256 as in the top-level Dockerfile`);
    }
    const runs = final.filter((i) => i.op === 'RUN' && /curl|wget/.test(i.args));
    assert.ok(runs.length > 0);
    for (const run of runs) {
      const downloads = [...run.args.matchAll(/(?:curl -fsSLo|wget -qO) (\S+)/g)].map((m) => m[1]!);
      assert.ok(downloads.length > 0, `line ${run.line}: downloads must use curl -fsSLo <file> or wget -qO <file>`);
      for (const f of downloads) assert.ok(run.args.includes(` ${f}" | sha256sum -c -`), `line ${run.line}: ${f} is not checked with sha256sum -c`);
    }
    assert.ok(!all.some((i) => i.op === 'ADD'), 'no ADD (DL3020)');
  });

  it('sets pipefail before any piped RUN (DL4006)', () => {
    for (const stage of stages) {
      let pipefail = false;
      for (const ins of stage) {
        if (ins.op === 'SHELL' && ins.args.includes('pipefail')) pipefail = true;
        if (ins.op === 'RUN' && /[^|]\|[^|]/.test(ins.args)) assert.ok(pipefail, `line ${ins.line}: piped RUN without SHELL [... "-o", "pipefail" ...]`);
      }
    }
  });

  it('runs dockerd-entrypoint.sh with the command the lab pod passes, has the work dir, a health check, and says why it is root', () => {
    const entry = final.find((i) => i.op === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(entry!.args), ['dockerd-entrypoint.sh']);
    const cmd = final.find((i) => i.op === 'CMD');
    assert.deepEqual(JSON.parse(cmd!.args), manifest.spec.containers[0].args, 'CMD (JSON form, DL3025) = the args of labPodManifest');
    assert.ok(final.some((i) => i.op === 'RUN' && i.args.includes(`mkdir -p ${POD_WORK_DIR}`)), `${POD_WORK_DIR} exists`);
    assert.ok(final.some((i) => i.op === 'ENV' && /^DOCKER_TLS_CERTDIR=\s*$/.test(i.args)), 'no TLS certificates for a unix-socket dockerd');
    assert.ok(final.some((i) => i.op === 'HEALTHCHECK' && i.args.includes('docker')));
    const user = final.filter((i) => i.op === 'USER').pop();
    if (!user || /^(root|0)$/.test(user.args.trim())) {
      const ignore = all.find((i) => i.op === '#IGNORE' && i.args.split(',').includes('DL3002'));
      assert.ok(ignore, 'running as root is stated with a hadolint ignore=DL3002 and a reason (DL3002)');
    }
  });
});

describe('README: Running on Kubernetes', () => {
  let readme = '';
  let section = '';
  let local = '';
  before(() => {
    readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    section = readme.slice(readme.indexOf('## Running on Kubernetes'));
    local = readFileSync(join(ROOT, 'deploy', 'kubernetes', 'README.md'), 'utf8');
  });

  it('gives the one install command, and every CKS_K8S_* setting the provider reads is documented', () => {
    assert.ok(readme.includes('## Running on Kubernetes'), 'the section exists');
    assert.ok(section.includes('kubectl apply -k deploy/kubernetes'), 'the install command');
    const settings = readFileSync(join(ROOT, 'server', 'clusters', 'kubernetes', 'settings.ts'), 'utf8');
    for (const name of new Set([...settings.matchAll(/\b(CKS_K8S_[A-Z_]+[A-Z])\b/g)].map((m) => m[1]!))) assert.ok(readme.includes(name) || local.includes(name), `${name} is documented`);
    assert.ok(section.includes('CKS_PROVIDER'));
  });

  it('deploy/kubernetes/README.md (which the provider points operators to) says how to build and push the images', () => {
    assert.match(local, /docker build .*deploy\/kubernetes\/lab-pod/);
    assert.match(local, /labs\/\$\{?lab\}?\/image/);
    assert.ok(local.includes('CKS_K8S_IMAGE_REGISTRY'));
  });
});
