/**
 * busybox `ip` in a fake pod, answered by the pod network instead of the host's kernel (fake pods
 * share the host's network namespace: the real `ip` would change this machine's addresses and
 * routes). Only what scenarios use to stand in for a server outside the pod network:
 * - `ip addr add <addr>[/len] dev <if>` in a pod with NET_ADMIN: the pod holds the address;
 * - `ip [-o] route get <ip>` in a hostNetwork pod: the node's route to a pod IP (its veth);
 * - `ip route add|replace <cidr> [via <ip>] dev <veth> [onlink]` in a hostNetwork pod with
 *   NET_ADMIN: a node route into a pod. As on a kind node, a gateway through a veth needs `onlink`
 *   (the ptp plugin's pod routes are scope host).
 * Anything else says the fake does not simulate it, rather than pretending.
 */
import type { KubeObject } from '../store.js';
import { vethOf, type PodNetwork } from './model.js';

export interface IpResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const IP4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/;
const ok = (stdout = ''): IpResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (stderr: string, exitCode = 2): IpResult => ({ exitCode, stdout: '', stderr: `${stderr}\n` });
const unsimulated = (what: string): IpResult => fail(`ip: ${what} is not simulated by the fake pod network`, 1);

/** May a container of this pod change network settings (NET_ADMIN or privileged)? */
function netAdmin(pod: KubeObject): boolean {
  return ((pod.spec?.containers ?? []) as Record<string, any>[]).some((c) => c.securityContext?.privileged === true || ((c.securityContext?.capabilities?.add ?? []) as string[]).includes('NET_ADMIN'));
}

/** `word value` pairs after the object and verb: `dev eth0 via 1.2.3.4 onlink` → {dev, via, onlink}. */
function keywords(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const k = args[i]!;
    if (k === 'onlink') out.onlink = 'true';
    else out[k] = args[++i] ?? '';
  }
  return out;
}

/** Runs busybox `ip <args>` for `pod`. */
export function runIp(network: PodNetwork, pod: KubeObject, argv: string[]): IpResult {
  const args = argv.filter((a) => a !== '-o' && a !== '-4');
  const [object = '', verb = '', target = '', ...rest] = args;
  const hostNet = pod.spec?.hostNetwork === true;
  if (/^a(ddr(ess)?)?$/.test(object) && verb === 'add') {
    const kw = keywords(rest);
    const address = target.split('/')[0]!;
    if (!CIDR.test(target) || !kw.dev) return fail('ip: either "local" is duplicate, or "dev" is missing', 1);
    if (hostNet) return unsimulated('an address on the node');
    if (!netAdmin(pod)) return fail('ip: RTNETLINK answers: Operation not permitted');
    network.podAddresses.set(address, String(pod.metadata.uid));
    return ok();
  }
  if (/^r(o(ute?)?)?$/.test(object)) {
    if (!hostNet) return unsimulated("a pod's own routes");
    if (verb === 'get') {
      const to = network.podByIp(target);
      if (!IP4.test(target)) return fail(`ip: an inet address is expected rather than "${target}"`, 1);
      if (!to) return unsimulated(`a route to ${target}, which is not a running pod's IP`);
      return ok(`${target} dev ${vethOf(to)} src 10.244.0.1 \\    cache \n`);
    }
    if (verb === 'add' || verb === 'replace') {
      const kw = keywords(rest);
      if (!CIDR.test(target)) return fail(`ip: an inet prefix is expected rather than "${target}"`, 1);
      if (!netAdmin(pod)) return fail('ip: RTNETLINK answers: Operation not permitted');
      if (!kw.dev) return unsimulated('a route without dev');
      if (kw.via && !kw.onlink) return fail('ip: RTNETLINK answers: Invalid argument');
      const dst = target.includes('/') ? target : `${target}/32`;
      if (verb === 'add' && network.nodeRoutes.has(dst)) return fail('ip: RTNETLINK answers: File exists');
      network.nodeRoutes.set(dst, { dst, dev: kw.dev, ...(kw.via ? { via: kw.via } : {}) });
      return ok();
    }
  }
  return unsimulated(`ip ${argv.join(' ')}`);
}
