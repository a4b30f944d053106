import type { HostCapability, Lab } from './types.js';

const CAPABILITY_WORDS: Record<HostCapability, string> = {
  apparmor: 'a host with AppArmor',
  kvm: 'hardware virtualization (/dev/kvm)',
  rootful: 'a rootful container engine',
  cgroup2: 'cgroup v2',
  btf: 'a host kernel with BTF (Linux 5.8 or newer)',
};

/**
 * What a lab needs, in a learner's words, for its catalog cards: its nodes, its own node image,
 * the host capabilities it requires, and a per-host limit. Never empty (every lab needs a node).
 */
export function labNeeds(lab: Lab): string[] {
  const nodes = lab.nodes?.length ?? 1;
  const out = [nodes === 1 ? '1 node' : `${nodes} nodes (about ${nodes}× the memory)`];
  if (lab.buildContext) out.push('its own node image (built once)');
  for (const need of lab.requires) out.push(CAPABILITY_WORDS[need]);
  if (lab.maxClustersPerHost !== undefined) out.push(lab.maxClustersPerHost === 1 ? 'one at a time per host' : `at most ${lab.maxClustersPerHost} at a time per host`);
  return out;
}
