/**
 * The apparmor scenario and lab proven on the fakes. Fake docker reports AppArmor on the host only
 * with FAKE_DOCKER_APPARMOR=1; the lab image (LABEL io.cks-lab.security=apparmor) gives the node a
 * fake apparmor_parser and a securityfs view; the simulated kubelet refuses a container whose
 * Localhost profile is not loaded (containerd's wording), labels /proc/1/attr/current with the
 * profile and mode, and makes the container read-only under an enforced deny-write profile.
 * Without AppArmor on the host, the server refuses the lab with a clear reason (HTTP 503).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { loadConfig } from '../../server/config/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import type { GradeResult } from '../../server/grading/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform } from '../../server/platform/index.js';
import { proveScenario, runNodeScript } from '../../server/proving/index.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { hostSecurityfsDir } from '../fakes/lib/node-image.mjs';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { onNode } from '../helpers/nodeScript.js';
import { Learner, ROOT, startTestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';
import { failedTasks as failed } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const labs = loadLabs(join(ROOT, 'labs'));
const scenario = catalog.require('apparmor');
const lab = labs.get('apparmor')!;
const grader = new CheckEngine({ logger: createSilentLogger() });

describe('lab apparmor and scenario apparmor on the fakes', function () {
  this.timeout(180_000);

  describe('on a host without AppArmor', () => {
    const world = fakeClusterWorld();
    after(() => world.cleanup());

    it('the provider refuses the lab with the reason, before creating anything', async () => {
      const reason = await world.provider.labSupport(lab);
      assert.match(reason ?? '', /needs AppArmor on the Docker host/);
      await assert.rejects(world.provider.create('cks-aa-refused', lab, () => undefined), (e: Error & { code?: string }) => e.code === 'host_unsupported');
      assert.deepEqual(await world.provider.list(), []);
    });

    it('the HTTP API answers 503 with that reason and the catalog marks the scenario unavailable', async () => {
      const srv = await startTestServer({ provider: world.provider, probesFor: world.probesFor });
      try {
        const learner = new Learner(srv.url);
        const list = await learner.request('GET', '/api/scenarios');
        const scenarios = (list.json as { scenarios: { id: string; unavailable?: string }[] }).scenarios;
        const entry = scenarios.find((s) => s.id === 'apparmor');
        assert.match(entry?.unavailable ?? '', /needs AppArmor on the Docker host/);
        const others = scenarios.filter((s) => s.id !== 'apparmor' && s.unavailable);
        assert.deepEqual(others.map((s) => s.id), []);
        const res = await learner.request('POST', '/api/sessions', { scenarioId: 'apparmor' });
        assert.equal(res.status, 503);
        assert.match(JSON.stringify(res.json), /needs AppArmor on the Docker host/);
        assert.deepEqual(await world.provider.list(), []);
      } finally {
        await srv.close();
      }
    });
  });

  describe('on a host with AppArmor', () => {
    const logLines: string[] = [];
    const world = fakeClusterWorld({ extra: { FAKE_DOCKER_APPARMOR: '1' }, logger: createSilentLogger(logLines) });
    after(() => world.cleanup());

    it('is proven: image built, bootstrap proves enforcement, setup fails every task, the solution passes every one', async () => {
      const steps: string[] = [];
      const proof = await proveScenario(scenario, lab, 'cks-proof-apparmor', { ...world, grader, onProgress: (p) => steps.push(`${p.step}:${p.state}`) });
      assert.equal(proof.error, null);
      assert.deepEqual(proof.passedAfterSetup, []);
      assert.deepEqual(proof.failedAfterSolution, []);
      assert.equal(proof.afterSolution?.score, 7);
      assert.ok(steps.includes('Bootstrapping lab:done'));
      const label = proof.afterSetup?.tasks.find((t) => t.id === 'confined')?.checks.find((c) => c.id === 'writer-label');
      assert.match(label?.actual ?? '', /cri-containerd\.apparmor\.d \(enforce\)/, 'an unconfined-by-us pod runs under containerd’s default profile');
    });

    describe('the bootstrap fails loudly', () => {
      const cluster = 'cks-aa-bootstrap';
      before(async () => world.provider.create(cluster, lab, () => undefined));
      after(() => world.provider.delete(cluster));
      const bootstrap = () => world.provider.nodeExec(cluster, ['bash', '-s'], { input: readFileSync(lab.bootstrapScript!, 'utf8'), env: { KUBECONFIG: '/etc/kubernetes/admin.conf' } });

      it('when apparmor_parser loads profiles in complain mode only (confinement not enforced)', async () => {
        await onNode(world.provider, cluster, `mv /usr/sbin/apparmor_parser /usr/sbin/apparmor_parser.real
printf '#!/bin/sh\\nexec /usr/sbin/apparmor_parser.real -C "$@"\\n' > /usr/sbin/apparmor_parser && chmod +x /usr/sbin/apparmor_parser`);
        const out = await bootstrap();
        assert.notEqual(out.exitCode, 0);
        assert.match(out.stderr, /AppArmor lab self-check FAILED: the test profile is not listed in enforce mode/);
        await onNode(world.provider, cluster, 'mv /usr/sbin/apparmor_parser.real /usr/sbin/apparmor_parser');
      });

      it('when apparmor_parser is missing', async () => {
        await onNode(world.provider, cluster, 'mv /usr/sbin/apparmor_parser /root/apparmor_parser');
        const out = await bootstrap();
        assert.notEqual(out.exitCode, 0);
        assert.match(out.stderr, /apparmor_parser is not installed/);
        await onNode(world.provider, cluster, 'mv /root/apparmor_parser /usr/sbin/apparmor_parser');
        assert.equal((await bootstrap()).exitCode, 0, 'and passes again once it is back');
      });
    });

    describe('profiles live in the host kernel, shared by every cluster of the host', () => {
      const kernel = () => join(hostSecurityfsDir(world.env), 'apparmor');
      const loaded = () => (existsSync(join(kernel(), 'profiles')) ? readFileSync(join(kernel(), 'profiles'), 'utf8') : '');
      /** What a cluster gone without unloading its profiles (or an older lab image) left in the kernel. */
      function leftInKernel(name: string): void {
        mkdirSync(join(kernel(), 'policy', 'profiles', name), { recursive: true });
        writeFileSync(join(kernel(), 'policy', 'profiles', name, 'source'), `profile ${name} {\n  file,\n  deny /** w,\n}\n`);
        writeFileSync(join(kernel(), 'profiles'), `${loaded()}${name} (enforce)\n`);
      }
      const setupThenGrade = async (cluster: string): Promise<GradeResult> => {
        await runNodeScript(world.provider, cluster, scenario.setupScript);
        return grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
      };

      it("setup unloads k8s-deny-write that an earlier learner's cluster, still running, loaded: task 1 fails for the next learner", async () => {
        await world.provider.create('cks-aa-first', lab, () => undefined);
        try {
          await runNodeScript(world.provider, 'cks-aa-first', scenario.setupScript);
          await onNode(world.provider, 'cks-aa-first', 'apparmor_parser -r /root/k8s-deny-write');
          assert.match(loaded(), /^k8s-deny-write \(enforce\)$/m, 'the first learner loaded it into the host kernel');
          await world.provider.create('cks-aa-second', lab, () => undefined);
          const r = await setupThenGrade('cks-aa-second');
          assert.ok(failed(r).includes('profile-loaded'), `task 1 must fail right after setup: ${JSON.stringify(r.tasks[0])}`);
          assert.doesNotMatch(loaded(), /^k8s-deny-write /m);
        } finally {
          await world.provider.delete('cks-aa-second');
          await world.provider.delete('cks-aa-first');
        }
      });

      it('setup unloads k8s-deny-write left in the kernel by a cluster already deleted', async () => {
        leftInKernel('k8s-deny-write');
        await world.provider.create('cks-aa-later', lab, () => undefined);
        try {
          const r = await setupThenGrade('cks-aa-later');
          assert.deepEqual(failed(r), ['confined', 'pod-profile', 'profile-loaded']);
          assert.doesNotMatch(loaded(), /^k8s-deny-write /m);
        } finally {
          await world.provider.delete('cks-aa-later');
        }
      });

      it('the bootstrap self-check uses a profile of its own cluster and leaves a concurrent self-check’s profile loaded', async () => {
        leftInKernel('cks-lab-selfcheck-deny-write');
        const steps: string[] = [];
        await world.provider.create('cks-aa-selfcheck', lab, (p) => steps.push(p.step));
        try {
          const out = await onNode(world.provider, 'cks-aa-selfcheck', readFileSync(lab.bootstrapScript!, 'utf8'));
          assert.match(out.stdout, /a pod confined by cks-lab-selfcheck-cks-aa-selfcheck-control-plane reports \(enforce\)/);
          assert.match(loaded(), /^cks-lab-selfcheck-deny-write \(enforce\)$/m, 'another cluster’s self-check profile is not this bootstrap’s to unload');
          assert.doesNotMatch(loaded(), /cks-lab-selfcheck-cks-aa-selfcheck/, 'its own is unloaded again');
        } finally {
          await world.provider.delete('cks-aa-selfcheck');
        }
      });
      it('deleting a cluster unloads the profiles it loaded, and only those', async () => {
        leftInKernel('docker-default');
        leftInKernel('cks-lab-selfcheck-cks-other-control-plane');
        await world.provider.create('cks-aa-teardown', lab, () => undefined);
        await runNodeScript(world.provider, 'cks-aa-teardown', scenario.setupScript);
        await onNode(world.provider, 'cks-aa-teardown', `apparmor_parser -r /root/k8s-deny-write
sed 's/k8s-deny-write/my-own-profile/' /root/k8s-deny-write > /root/mine && apparmor_parser -q /root/mine
rm /root/k8s-deny-write /root/mine`);
        assert.match(loaded(), /^k8s-deny-write \(enforce\)$/m);
        assert.match(loaded(), /^my-own-profile \(enforce\)$/m);
        await world.provider.delete('cks-aa-teardown');
        assert.deepEqual(await world.provider.list(), []);
        assert.doesNotMatch(loaded(), /^(k8s-deny-write|my-own-profile) /m, 'the profiles this cluster loaded are gone with it');
        assert.match(loaded(), /^docker-default \(enforce\)$/m, 'docker-default is not the cluster’s');
        assert.match(loaded(), /^cks-lab-selfcheck-cks-other-control-plane \(enforce\)$/m, 'nor is another cluster’s profile');
      });

      it('a cluster whose image has no teardown hook (the default lab) is deleted without a warning', async () => {
        await world.provider.create('cks-aa-nohook', labs.get('default')!, () => undefined);
        await world.provider.delete('cks-aa-nohook');
        assert.deepEqual(await world.provider.list(), []);
        assert.deepEqual(logLines.filter((l) => l.includes('cks-aa-nohook') && l.includes('"warn"')), []);
      });

      it('a teardown that fails is logged, and the cluster is deleted all the same', async () => {
        await world.provider.create('cks-aa-teardown-fails', lab, () => undefined);
        await onNode(world.provider, 'cks-aa-teardown-fails', "printf '#!/bin/sh\\necho broken >&2\\nexit 3\\n' > /usr/local/sbin/cks-teardown");
        await world.provider.delete('cks-aa-teardown-fails');
        assert.deepEqual(await world.provider.list(), []);
        const warning = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'node teardown failed' && l.cluster === 'cks-aa-teardown-fails');
        assert.ok(warning, logLines.join('\n'));
        assert.equal(warning.level, 'warn');
        assert.match(String(warning.output), /broken/);
      });
    });

    it('on the real platform, a second learner waits for the one AppArmor cluster of the host, told why, and starts when the first stops', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'cks-aa-platform-'));
      const platform = await startPlatform(loadConfig({ port: '0', dataDir }, {}), createSilentLogger(), { env: world.env, terminalEnv: world.terminalEnv });
      try {
        const [a, b] = [new Learner(platform.server.url), new Learner(platform.server.url)];
        const first = (await a.request('POST', '/api/sessions', { scenarioId: 'apparmor' })).json;
        const state = async (l: Learner, s: { session: { id: string }; token: string }) =>
          (await l.request('GET', `/api/sessions/${s.session.id}`, undefined, { 'x-session-token': s.token })).json as { state: string; progress: { detail?: string }[] };
        await waitFor(async () => (await state(a, first)).state === 'ready', 'first learner ready', 60_000);
        const second = (await b.request('POST', '/api/sessions', { scenarioId: 'apparmor' })).json;
        await waitFor(async () => (await state(b, second)).progress.some((p) => /AppArmor profiles are host-global, so this host runs one AppArmor lab at a time/.test(p.detail ?? '')), 'second learner told why', 20_000);
        assert.equal((await world.provider.list()).length, 1, 'one AppArmor cluster on the host');
        assert.equal((await a.request('DELETE', `/api/sessions/${first.session.id}`, undefined, { 'x-session-token': first.token })).status < 300, true);
        await waitFor(async () => (await state(b, second)).state === 'ready', 'second learner ready after the first stopped', 60_000);
        assert.equal((await world.provider.list()).length, 1);
      } finally {
        await platform.close();
        for (const c of await world.provider.list()) await world.provider.delete(c);
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    describe('common mistakes fail exactly the right task', () => {
      const cluster = 'cks-aa-mistakes';
      before(async () => {
        await world.provider.create(cluster, lab, () => undefined);
        await runNodeScript(world.provider, cluster, scenario.setupScript);
      });
      after(() => world.provider.delete(cluster));

      const POD_FIELD = `  containers:
    - name: writer
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]
      securityContext:
        appArmorProfile: { type: Localhost, localhostProfile: k8s-deny-write }`;
      const POD_ANNOTATION = `  containers:
    - name: writer
      image: busybox:1.36.1
      command: ["sh", "-c", "sleep 3600"]`;

      async function attempt(load: string, spec: string, annotate = false): Promise<GradeResult> {
        await onNode(world.provider, cluster, `set -e
apparmor_parser -R /root/k8s-deny-write 2>/dev/null || true
${load}
kubectl delete pod writer -n apparmor-lab --ignore-not-found --wait=true >/dev/null
cat > /root/attempt.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: writer
  namespace: apparmor-lab
${annotate ? '  annotations: { container.apparmor.security.beta.kubernetes.io/writer: localhost/k8s-deny-write }\n' : ''}spec:
${spec}
YAML
kubectl apply -f /root/attempt.yaml >/dev/null
`);
        await waitFor(async () => {
          const out = await onNode(world.provider, cluster, `kubectl get pod writer -n apparmor-lab -o jsonpath='{.status.phase} {.status.containerStatuses[0].state.waiting.reason}'`, { expectOk: false });
          return out.stdout.startsWith('Running') || /CreateContainerError/.test(out.stdout);
        }, 'pod settled', 20_000, 200);
        return grader.grade(scenario, world.probesFor(cluster, await world.provider.kubeconfig(cluster)));
      }

      it('profile loaded in complain mode: the profile task and the confinement fail, writes still work', async () => {
        const r = await attempt('apparmor_parser -r -C /root/k8s-deny-write', POD_FIELD);
        assert.deepEqual(failed(r), ['confined', 'profile-loaded']);
        const checks = r.tasks.find((t) => t.id === 'confined')!.checks;
        assert.match(checks.find((c) => c.id === 'writer-label')?.actual ?? '', /k8s-deny-write \(complain\)/);
        assert.equal(checks.find((c) => c.id === 'writer-write-denied')?.status, 'fail');
      });

      it('profile not loaded: the container is not created (containerd: apparmor profile not found)', async () => {
        const r = await attempt('', POD_FIELD);
        assert.deepEqual(failed(r), ['confined', 'profile-loaded']);
        const describe = await onNode(world.provider, cluster, 'kubectl describe pod writer -n apparmor-lab');
        assert.match(describe.stdout, /CreateContainerError/);
        assert.match(describe.stdout, /failed to generate apparmor spec opts: apparmor profile not found k8s-deny-write/);
      });

      it('profile loaded but the Pod not confined by it', async () => {
        const r = await attempt('apparmor_parser -r /root/k8s-deny-write', POD_ANNOTATION);
        assert.deepEqual(failed(r), ['confined', 'pod-profile']);
      });

      it('the legacy annotation confines the Pod as well as the field', async () => {
        const r = await attempt('apparmor_parser -r /root/k8s-deny-write', POD_ANNOTATION, true);
        assert.deepEqual(failed(r), []);
      });

      it('the securityContext field in enforce mode passes every task', async () => {
        const r = await attempt('apparmor_parser -r /root/k8s-deny-write', POD_FIELD);
        assert.deepEqual(failed(r), []);
        assert.equal(r.score, r.maxScore);
      });
    });
  });
});
