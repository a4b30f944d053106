import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { compile, decode } from './kubelet/seccomp.js';
import { seccompAnnotationWarnings, seccompCauses } from './seccompValidation.js';
import { startPodLab, type startTestServer, waitFor } from './testHelpers.js';

type Started = Awaited<ReturnType<typeof startTestServer>>;

describe('fake kubelet: seccomp profiles', function () {
  this.timeout(60_000);

  describe('profile decoding and compiling (containerd and runc)', () => {
    it('reports encoding/json errors for a broken or mistyped profile', () => {
      assert.equal(decode('{"defaultAction": "SCMP_ACT_ALLOW",'), 'unexpected end of JSON input');
      assert.match(String(decode('{"defaultAction": SCMP_ACT_ALLOW}')), /^invalid character 'S' looking for beginning of value$/);
      assert.equal(decode('{"defaultAction": 1}'), 'json: cannot unmarshal number into Go struct field LinuxSeccomp.defaultAction of type specs.LinuxSeccompAction');
      assert.equal(decode('{"syscalls": [{"names": "mkdir"}]}'), 'json: cannot unmarshal string into Go struct field LinuxSeccomp.syscalls.names of type string');
      assert.equal(decode('[]'), 'json: cannot unmarshal array into Go value of type specs.LinuxSeccomp');
    });

    it("refuses unknown actions, operators and architectures with runc's words; an empty profile installs nothing", () => {
      assert.deepEqual(compile({ defaultAction: 'SCMP_ACT_DENY' }), { error: 'string SCMP_ACT_DENY is not a valid action for seccomp' });
      assert.deepEqual(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'EQ' }] }] }), {
        error: 'string EQ is not a valid operator for seccomp',
      });
      assert.deepEqual(compile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x86_64'] }), { error: 'string x86_64 is not a valid arch for seccomp' });
      assert.equal(compile({}), '');
      // Go's encoding/json matches keys case-insensitively.
      assert.equal(typeof compile({ DefaultAction: 'SCMP_ACT_ALLOW' }), 'string');
      assert.notEqual(compile({ DefaultAction: 'SCMP_ACT_ALLOW' }), '');
    });
  });

  describe('API validation of seccompProfile', () => {
    it('admits only a descending relative localhostProfile, and only for Localhost', () => {
      const at = (sp: unknown, c?: unknown) => seccompCauses({ securityContext: { seccompProfile: sp }, containers: [{ name: 'a', securityContext: { seccompProfile: c } }] }, 'spec');
      assert.deepEqual(at({ type: 'Localhost', localhostProfile: 'profiles/x.json' }), []);
      assert.deepEqual(at({ type: 'Localhost', localhostProfile: '/var/lib/kubelet/seccomp/x.json' }).map((c) => `${c.field}: ${c.message}`), [
        'spec.securityContext.seccompProfile.localhostProfile: Invalid value: "/var/lib/kubelet/seccomp/x.json": must be a relative path',
      ]);
      assert.match(at(undefined, { type: 'Localhost', localhostProfile: '../x.json' })[0]?.message ?? '', /must not contain '\.\.'/);
      assert.equal(at({ type: 'Localhost' })[0]!.message, 'Required value: must be set when seccomp type is Localhost');
      assert.match(at({ type: 'RuntimeDefault', localhostProfile: 'x.json' })[0]?.message ?? '', /can only be set when seccomp type is Localhost$/);
      assert.match(at({ type: 'runtimedefault' })[0]?.message ?? '', /^Unsupported value: "runtimedefault": supported values: "Localhost", "RuntimeDefault", "Unconfined"$/);
    });
  });

  describe('API warnings for the seccomp annotations (non-functional since v1.27)', () => {
    it('warns for a pod or container annotation without the field, in the template of a workload too; an update warns only anew', () => {
      const pod = { metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default', 'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default' } }, spec: { containers: [{ name: 'app' }] } };
      assert.deepEqual(seccompAnnotationWarnings('Pod', pod), [
        'metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead',
        'metadata.annotations[container.seccomp.security.alpha.kubernetes.io/app]: non-functional in v1.27+; use the "seccompProfile" field instead',
      ]);
      const withField = { ...pod, spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'app', securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }] } };
      assert.deepEqual(seccompAnnotationWarnings('Pod', withField), []);
      const deployment = { metadata: {}, spec: { template: { metadata: { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' } }, spec: { containers: [{ name: 'app' }] } } } };
      assert.deepEqual(seccompAnnotationWarnings('Deployment', deployment), [
        'spec.template.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead',
      ]);
      assert.deepEqual(seccompAnnotationWarnings('Deployment', deployment, deployment), []);
      assert.deepEqual(seccompAnnotationWarnings('ConfigMap', deployment), []);
    });
  });

  describe('containers run under their profile', () => {
    let t: Started;
    let kc: KubeConfig;
    let core: CoreV1Api;
    let seccompRoot: string;
    const ns = 'sc-fake';

    before(async () => {
      ({ t, kc, core } = await startPodLab(ns));
      seccompRoot = join(dirname(t.kubeconfigFile), 'cluster', 'node', 'var/lib/kubelet/seccomp');
      mkdirSync(join(seccompRoot, 'profiles'), { recursive: true });
      const profile = (action: string): string =>
        JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action }] });
      writeFileSync(join(seccompRoot, 'profiles/deny-mkdir.json'), profile('SCMP_ACT_ERRNO'));
      writeFileSync(join(seccompRoot, 'profiles/log-mkdir.json'), profile('SCMP_ACT_LOG'));
      writeFileSync(join(seccompRoot, 'profiles/kill-mkdir.json'), profile('SCMP_ACT_KILL_PROCESS'));
      writeFileSync(join(seccompRoot, 'profiles/args.json'), JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 0o7, valueTwo: 0o7, op: 'SCMP_CMP_MASKED_EQ' }] },
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0o750, op: 'SCMP_CMP_GT' }] },
          { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_NE' }] },
        ],
      }));
      writeFileSync(join(seccompRoot, 'profiles/broken.json'), '{"defaultAction": "SCMP_ACT_ALLOW",');
      writeFileSync(join(seccompRoot, 'profiles/bad-action.json'), '{"defaultAction": "SCMP_ACT_DENY"}');
      symlinkSync('/etc/hostname', join(seccompRoot, 'profiles/escape.json'));
    });
    after(async () => t.dispose());

    const sleeper = (name: string, podSc?: Record<string, unknown>, containerSc?: Record<string, unknown>): V1Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns },
      spec: {
        ...(podSc ? { securityContext: { seccompProfile: podSc as never } } : {}),
        containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], ...(containerSc ? { securityContext: containerSc } : {}) }],
      },
    });
    const running = (name: string): Promise<V1Pod> =>
      waitFor(async () => {
        const p = await core.readNamespacedPod({ name, namespace: ns });
        return p.status?.phase === 'Running' && p;
      }, 20_000, `${name} Running`);
    const exec = async (pod: string, command: string[]): Promise<{ out: string; code: number }> => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => (text += d.toString()));
      let code = 0;
      const ws = await new Exec(kc).exec(ns, pod, 'c', command, out, out, null, false, (s) => {
        code = s.status === 'Success' ? 0 : Number(s.details?.causes?.[0]?.message ?? -1);
      });
      await new Promise<void>((resolve) => ws.on('close', () => resolve()));
      return { out: text, code };
    };
    const seccompLine = async (pod: string): Promise<string> => (await exec(pod, ['grep', '^Seccomp', '/proc/1/status'])).out.replace(/\s+/g, ' ').trim();

    it('RuntimeDefault: Seccomp 2 with one filter; unshare is refused, ordinary commands work', async () => {
      await core.createNamespacedPod({ namespace: ns, body: sleeper('rd', { type: 'RuntimeDefault' }) });
      await running('rd');
      assert.equal(await seccompLine('rd'), 'Seccomp: 2 Seccomp_filters: 1');
      const un = await exec('rd', ['unshare', '--uts', 'true']);
      assert.notEqual(un.code, 0);
      assert.match(un.out, /Operation not permitted/);
      assert.equal((await exec('rd', ['mkdir', '/tmp/ok'])).code, 0);
    });

    it('unset, Unconfined at container level over RuntimeDefault at pod level, and privileged all run unconfined', async () => {
      await core.createNamespacedPod({ namespace: ns, body: sleeper('unset') });
      await core.createNamespacedPod({ namespace: ns, body: sleeper('override', { type: 'RuntimeDefault' }, { seccompProfile: { type: 'Unconfined' } }) });
      await core.createNamespacedPod({ namespace: ns, body: sleeper('priv', { type: 'RuntimeDefault' }, { privileged: true }) });
      for (const name of ['unset', 'override', 'priv']) {
        await running(name);
        assert.equal(await seccompLine(name), 'Seccomp: 0 Seccomp_filters: 0', name);
      }
    });

    it('a Localhost profile with SCMP_ACT_ERRNO makes mkdir fail with EPERM; other commands work', async () => {
      await core.createNamespacedPod({ namespace: ns, body: sleeper('deny', undefined, { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/deny-mkdir.json' } }) });
      await running('deny');
      assert.equal(await seccompLine('deny'), 'Seccomp: 2 Seccomp_filters: 1');
      const mk = await exec('deny', ['mkdir', '/tmp/blocked']);
      assert.equal(mk.code, 1);
      assert.match(mk.out, /Operation not permitted/);
      assert.equal((await exec('deny', ['touch', '/tmp/file'])).code, 0);
    });

    it('SCMP_ACT_LOG only logs (mkdir works); SCMP_ACT_KILL_PROCESS kills with SIGSYS', async () => {
      await core.createNamespacedPod({ namespace: ns, body: sleeper('log', { type: 'Localhost', localhostProfile: 'profiles/log-mkdir.json' }) });
      await core.createNamespacedPod({ namespace: ns, body: sleeper('kill', { type: 'Localhost', localhostProfile: 'profiles/kill-mkdir.json' }) });
      await running('log');
      assert.equal(await seccompLine('log'), 'Seccomp: 2 Seccomp_filters: 1');
      assert.equal((await exec('log', ['mkdir', '/tmp/logged'])).code, 0);
      await running('kill');
      assert.equal((await exec('kill', ['mkdir', '/tmp/killed'])).code, 159);
    });

    it('argument conditions: MASKED_EQ with errnoRet, GT, NE — the first matching rule decides', async () => {
      await core.createNamespacedPod({ namespace: ns, body: sleeper('args', { type: 'Localhost', localhostProfile: 'profiles/args.json' }) });
      await running('args');
      const mk = async (mode: number): Promise<string> =>
        (await exec('args', ['perl', '-e', `print mkdir("/tmp/d${mode}", ${mode}) ? "ok" : "$!"`])).out;
      assert.equal(await mk(0o707), 'Permission denied');
      assert.equal(await mk(0o755), 'Operation not permitted');
      assert.equal(await mk(0o751), 'Operation not permitted');
      assert.equal(await mk(0o750), 'ok');
      assert.equal(await mk(0o700), 'ok');
      assert.equal((await exec('args', ['perl', '-e', 'print rmdir("/tmp/d448") ? "ok" : "$!"'])).out, 'Operation not permitted');
    });

    it("a missing or undecodable profile is a CreateContainerError with containerd's message; a bad action fails at start (runc)", async () => {
      const cases: [string, string, RegExp][] = [
        ['missing', 'profiles/nope.json', /^failed to generate container "[0-9a-f]{64}" spec: failed to generate spec: cannot load seccomp profile "\/var\/lib\/kubelet\/seccomp\/profiles\/nope\.json": open \/var\/lib\/kubelet\/seccomp\/profiles\/nope\.json: no such file or directory$/],
        ['escape', 'profiles/escape.json', /cannot load seccomp profile "\/var\/lib\/kubelet\/seccomp\/profiles\/escape\.json": open .*: no such file or directory$/],
        ['broken', 'profiles/broken.json', /decoding seccomp profile failed "\/var\/lib\/kubelet\/seccomp\/profiles\/broken\.json": unexpected end of JSON input$/],
      ];
      for (const [name, path, message] of cases) {
        await core.createNamespacedPod({ namespace: ns, body: sleeper(name, { type: 'Localhost', localhostProfile: path }) });
        const waiting = await waitFor(async () => (await core.readNamespacedPod({ name, namespace: ns })).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError' && (await core.readNamespacedPod({ name, namespace: ns })));
        assert.match(String(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message), message);
      }
      await core.createNamespacedPod({ namespace: ns, body: sleeper('badaction', { type: 'Localhost', localhostProfile: 'profiles/bad-action.json' }) });
      const failed = await waitFor(async () => {
        const s = (await core.readNamespacedPod({ name: 'badaction', namespace: ns })).status?.containerStatuses?.[0];
        return (s?.state?.terminated?.reason === 'StartError' ? s.state.terminated : s?.lastState?.terminated?.reason === 'StartError' && s.lastState.terminated) || undefined;
      });
      assert.match(String(failed.message), /runc create failed: string SCMP_ACT_DENY is not a valid action for seccomp: unknown$/);
    });

    it('the API server refuses an absolute localhostProfile', async () => {
      await assert.rejects(
        core.createNamespacedPod({ namespace: ns, body: sleeper('abs', { type: 'Localhost', localhostProfile: '/var/lib/kubelet/seccomp/profiles/deny-mkdir.json' }) }),
        (e: { code?: number; body?: string }) => e.code === 422 && /must be a relative path/.test(String(e.body)),
      );
    });
  });
});
