/** The `btf` host capability (Falco's modern eBPF probe): how the kind provider answers it, and the kernel-release comparison. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KindProvider, kernelAtLeast } from '../../server/clusters/kindProvider.js';
import { inspectLabs } from '../../server/clusters/labs.js';
import { labNeeds } from '../../server/clusters/labNeeds.js';
import { kubernetesSettings } from '../../server/clusters/kubernetes/settings.js';
import type { Lab } from '../../server/clusters/types.js';
import { createSilentLogger } from '../../server/log/index.js';
import type { CommandRunner } from '../../server/process/index.js';
import { ROOT } from '../helpers/testServer.js';

const falco = inspectLabs(join(ROOT, 'labs')).labs.get('falco')!;
/** The engine says rootful Docker (for the lab's `rootful`); nothing else is run. */
const runner: CommandRunner = {
  run: async (cmd: string, args: string[]) => {
    assert.deepEqual([cmd, args[0]], ['docker', 'info'], 'only docker info is asked');
    return { code: 0, stdout: '["name=seccomp,profile=builtin","name=cgroupns"] 2\n', stderr: '' };
  },
} as unknown as CommandRunner;
const provider = (kernel: { release: string; btf: boolean }) =>
  new KindProvider({ runner, logger: createSilentLogger(), kubeconfigDir: '/tmp', hostKernel: () => kernel });

describe('host capability btf', () => {
  it('the falco lab requires btf (and a rootful engine), and says so on its catalog card', () => {
    assert.deepEqual(falco.requires, ['rootful', 'btf']);
    assert.ok(labNeeds(falco).includes('a host kernel with BTF (Linux 5.8 or newer)'));
  });

  it('kernel releases compare by major.minor', () => {
    assert.equal(kernelAtLeast('5.8.0', 5, 8), true);
    assert.equal(kernelAtLeast('6.8.0-45-generic', 5, 8), true);
    assert.equal(kernelAtLeast('5.15.153.1-microsoft-standard-WSL2', 5, 8), true);
    assert.equal(kernelAtLeast('5.4.0-200-generic', 5, 8), false);
    assert.equal(kernelAtLeast('4.19.0', 5, 8), false);
    assert.equal(kernelAtLeast('garbage', 5, 8), false);
  });

  it('kind provider: a kernel with BTF runs the lab; an old kernel or one without BTF refuses it with the reason', async () => {
    const onlyBtf: Lab = { ...falco, requires: ['btf'] };
    assert.equal(await provider({ release: '6.8.0-45-generic', btf: true }).labSupport(onlyBtf), null);
    assert.match((await provider({ release: '5.4.0-200-generic', btf: true }).labSupport(onlyBtf)) ?? '', /^The "falco" lab runs Falco's modern eBPF probe, which needs Linux 5\.8 or newer with BTF, and this host runs Linux 5\.4\.0-200-generic\. It is not offered here\.$/);
    assert.match((await provider({ release: '6.1.0', btf: false }).labSupport(onlyBtf)) ?? '', /needs the kernel's BTF type information \(\/sys\/kernel\/btf\/vmlinux, CONFIG_DEBUG_INFO_BTF=y\), and this host's kernel \(6\.1\.0\) exposes none/);
    // The whole lab (rootful and btf) on a rootful Docker with BTF.
    assert.equal(await provider({ release: '6.8.0', btf: true }).labSupport(falco), null);
  });

  it('the kubernetes provider\'s operator declares it with CKS_K8S_POOL_CAPABILITIES=btf (see kubernetesProvider.test.ts for the refusal)', () => {
    const env = { CKS_K8S_NAMESPACE: 'labs', CKS_K8S_LAB_POD_IMAGE: `registry.example.com/lab-pod@sha256:${'0'.repeat(64)}`, CKS_K8S_POOL_CAPABILITIES: 'apparmor,btf' };
    assert.deepEqual(kubernetesSettings(env, 1024, '/nonexistent').settings.poolCapabilities, ['apparmor', 'btf']);
    assert.throws(() => kubernetesSettings({ ...env, CKS_K8S_POOL_CAPABILITIES: 'ebpf' }, 1024, '/nonexistent'), /CKS_K8S_POOL_CAPABILITIES knows apparmor, kvm, cgroup2, btf \(got "ebpf"\)/);
  });
});
