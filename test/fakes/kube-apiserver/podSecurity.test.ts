import assert from 'node:assert/strict';
import { evaluatePodSecurity } from './podSecurity.js';
import { kubectl, startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata: { name: root-shell, namespace: team-red }
spec:
  hostPID: true
  containers:
  - name: shell
    image: busybox:1.36
    command: ["sleep", "3600"]
    securityContext: { privileged: true, runAsUser: 0 }
`;

const RESTRICTED_POD = `apiVersion: v1
kind: Pod
metadata: { name: tidy, namespace: team-red }
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: { type: RuntimeDefault }
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: { drop: ["ALL"] }
`;

describe('fake kube-apiserver: PodSecurity admission', function () {
  this.timeout(60_000);
  let t: Started;

  before(async () => {
    t = await startTestServer();
    await kubectl(t.kubeconfigFile, ['create', 'namespace', 'team-red']);
  });
  after(async () => t?.dispose());

  describe('the checks (pod-security-admission v1.34 wording and order)', () => {
    it('baseline lists each violation with its detail, baseline checks in id order', () => {
      const spec = {
        hostNetwork: true,
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
        containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }], securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'CHOWN'] } } }],
      };
      assert.equal(
        evaluatePodSecurity('baseline', {}, spec),
        'non-default capabilities (container "a" must not include "SYS_ADMIN" in securityContext.capabilities.add), host namespaces (hostNetwork=true), hostPath volumes (volume "root"), hostPort (container "a" uses hostPort 8080), privileged (container "a" must not set securityContext.privileged=true)',
      );
    });

    it('restricted adds its own checks and replaces the baseline ones it overrides', () => {
      const spec = { volumes: [{ name: 'data', hostPath: { path: '/srv' } }], containers: [{ name: 'web', image: 'nginx' }, { name: 'log', image: 'busybox', securityContext: { runAsNonRoot: false } }] };
      assert.equal(
        evaluatePodSecurity('restricted', {}, spec),
        'allowPrivilegeEscalation != false (containers "web", "log" must set securityContext.allowPrivilegeEscalation=false), ' +
          'unrestricted capabilities (containers "web", "log" must set securityContext.capabilities.drop=["ALL"]), ' +
          'restricted volume types (volume "data" uses restricted volume type "hostPath"), ' +
          'runAsNonRoot != true (container "log" must not set securityContext.runAsNonRoot=false), ' +
          'seccompProfile (pod or containers "web", "log" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
      );
    });

    it('the pod-level forms satisfy restricted for every container; privileged allows everything', () => {
      const spec = {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } },
        containers: [{ name: 'a', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
      };
      assert.equal(evaluatePodSecurity('restricted', {}, spec), undefined);
      assert.equal(evaluatePodSecurity('privileged', {}, { hostPID: true, containers: [{ name: 'a', securityContext: { privileged: true } }] }), undefined);
    });
  });

  describe('through the API, as kubectl sees it', () => {
    it('no labels: nothing is enforced', async () => {
      const r = await kubectl(t.kubeconfigFile, ['apply', '--dry-run=server', '-f', '-'], PRIVILEGED_POD);
      assert.equal(r.code, 0, r.stderr);
    });

    it('labelling a namespace warns about the pods already there that violate the new level', async () => {
      const created = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], PRIVILEGED_POD);
      assert.equal(created.code, 0, created.stderr);
      const r = await kubectl(t.kubeconfigFile, ['label', 'namespace', 'team-red', 'pod-security.kubernetes.io/enforce=restricted']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Warning: existing pods in namespace "team-red" violate the new PodSecurity enforce level "restricted:latest"/);
      assert.match(r.stderr, /Warning: root-shell: host namespaces, privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, runAsUser=0, seccompProfile/);
    });

    it('enforce forbids a violating Pod (also on a server-side dry-run) and admits a compliant one', async () => {
      const r = await kubectl(t.kubeconfigFile, ['apply', '--dry-run=server', '-f', '-'], PRIVILEGED_POD.replace('root-shell', 'root-shell-2'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /pods "root-shell-2" is forbidden: violates PodSecurity "restricted:latest": host namespaces \(hostPID=true\), privileged \(container "shell" must not set securityContext\.privileged=true\)/);
      const ok = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], RESTRICTED_POD);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stderr, '');
    });

    it('workloads are only warned about; their pods are refused and the Deployment says why', async () => {
      const dep = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: team-red }
spec:
  replicas: 1
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
      - name: api
        image: busybox:1.36
        command: ["sleep", "3600"]
        securityContext: { privileged: true }
`;
      const warn = await kubectl(t.kubeconfigFile, ['label', 'namespace', 'team-red', 'pod-security.kubernetes.io/warn=restricted']);
      assert.equal(warn.code, 0, warn.stderr);
      const r = await kubectl(t.kubeconfigFile, ['apply', '-f', '-'], dep);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Warning: would violate PodSecurity "restricted:latest": privileged \(container "api" must not set securityContext\.privileged=true\)/);
      const message = await waitFor(async () => {
        const got = await kubectl(t.kubeconfigFile, ['get', 'deployment', 'api', '-n', 'team-red', '-o', 'jsonpath={.status.conditions[?(@.type=="ReplicaFailure")].message}']);
        return got.stdout || false;
      }, 10_000, 'the ReplicaFailure condition');
      assert.match(message, /^pods "api-[a-z0-9]+-[a-z0-9]{5}" is forbidden: violates PodSecurity "restricted:latest": privileged/);
    });
  });
});
