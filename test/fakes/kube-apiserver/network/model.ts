/**
 * The fake cluster's pod network, computed from stored objects on every question: pod IPs (the
 * kubelet's status.podIP), Services with ClusterIPs and endpoints by selector (ready pods, target
 * port by number or container port name, as kube-proxy programs them), cluster DNS (CoreDNS's
 * `kubernetes` plugin: `<svc>.<ns>.svc.cluster.local`, the pod's search path) and NetworkPolicy
 * (policy.ts). A denied packet is dropped (the client times out), a Service without endpoints
 * rejects (refused), a pod without a listener on the port refuses.
 *
 * An address outside the pod network answers only when the node routes it into a pod that holds it
 * (`ip addr add` in the pod, `ip route` on the node from a hostNetwork pod: how a scenario stands in
 * for a cloud metadata endpoint or an outside server). Policies see such an address as an ipBlock
 * peer, never as the pod behind it (kube-network-policies looks pods up by status.podIPs).
 */
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { connectionAllowed, inCidr, selectorMatches, type NetPeer, type NetPod, type PolicyWorld } from './policy.js';

const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const POLICIES = findResource('networking.k8s.io', 'v1', 'networkpolicies')!;
const NODES = findResource('', 'v1', 'nodes')!;

/** kube-dns's ClusterIP in kind (the 10th address of 10.96.0.0/16), what every pod's resolv.conf names. */
export const DNS_SERVICE_IP = '10.96.0.10';
const CLUSTER_DOMAIN = 'cluster.local';

/** Ports a server image listens on when it runs its default command (the fake runs no process for it). */
const IMAGE_PORTS: Record<string, { port: number; protocol: string }[]> = {
  nginx: [{ port: 80, protocol: 'TCP' }],
  httpd: [{ port: 80, protocol: 'TCP' }],
  traefik: [{ port: 80, protocol: 'TCP' }],
  redis: [{ port: 6379, protocol: 'TCP' }],
  postgres: [{ port: 5432, protocol: 'TCP' }],
  mysql: [{ port: 3306, protocol: 'TCP' }],
  memcached: [{ port: 11211, protocol: 'TCP' }],
  coredns: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 9153, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }, { port: 8181, protocol: 'TCP' }],
};

/** What a connection attempt meets. `proxyPort`: a real local port serving the listener (the fake httpd). */
export type ConnectOutcome =
  | { outcome: 'open'; ip: string; proxyPort?: number; image?: string }
  | { outcome: 'refused' | 'timeout'; ip: string; reason: string }
  /** The TCP handshake completes, then the server's side resets the connection (a mesh proxy refusing plain text). */
  | { outcome: 'reset'; ip: string; reason: string }
  | { outcome: 'badAddress'; reason: string; dnsTimeout: boolean };

export type ResolveOutcome = { outcome: 'ok'; name: string; addresses: string[] } | { outcome: 'nxdomain'; name: string } | { outcome: 'timeout' };

/** A listener a process in a pod opened (fake `httpd`, `nc -l`), alive while its process runs. */
export interface Listener {
  podUid: string;
  port: number;
  protocol: string;
  proxyPort?: number;
}

/** A route on the node (`ip route replace <dst> [via <ip>] dev <veth> [onlink]`): packets for `dst` go out the pod's veth. */
export interface NodeRoute {
  dst: string;
  dev: string;
  via?: string;
}

/** The host end of a pod's veth as the node names it (ptp plugin: `veth` + 8 hex). */
export const vethOf = (pod: KubeObject): string => `veth${String(pod.metadata.uid).replace(/[^a-f0-9]/gi, '').slice(0, 8)}`;

const imageBase = (image: string): string => (image.split('/').pop() ?? image).split('@')[0]!.split(':')[0]!;
const isIP = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s);

/** Answers network questions for one fake cluster. */
export class PodNetwork {
  readonly listeners = new Set<Listener>();
  /** Addresses pods added to their own interfaces (`ip addr add`): address → pod uid; they die with the pod. */
  readonly podAddresses = new Map<string, string>();
  /** Routes programmed on the node, by destination CIDR. */
  readonly nodeRoutes = new Map<string, NodeRoute>();
  /**
   * A service mesh in front of pods' listeners (set by a fake mesh control plane, istio/controller.ts):
   * why a connection that reached a listener is reset right after the TCP handshake, or undefined
   * when it goes through. `viaService`: the client dialled a Service's ClusterIP.
   */
  mesh?: (from: KubeObject, to: KubeObject, port: number, viaService: boolean) => string | undefined;

  constructor(private readonly store: ObjectStore) {}

  private running(): KubeObject[] {
    return this.store.list(PODS).filter((p) => p.status?.podIP && p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && !p.spec?.hostNetwork);
  }

  private netPod(p: KubeObject): NetPod {
    const ports = ((p.spec?.containers ?? []) as Record<string, any>[]).flatMap((c) => (c.ports ?? []) as NetPod['ports']);
    return { namespace: p.metadata.namespace, name: p.metadata.name, labels: p.metadata.labels ?? {}, ip: p.status.podIP, ports };
  }

  private world(): PolicyWorld {
    const labels = new Map(this.store.list(NAMESPACES).map((n) => [n.metadata.name as string, (n.metadata.labels ?? {}) as Record<string, string>]));
    return { policies: this.store.list(POLICIES) as never, namespaceLabels: (ns) => labels.get(ns) };
  }

  /**
   * The pod an address outside the pod network reaches: the node's most specific route for it
   * leads out a running pod's veth (and, with `via`, to that pod's IP), and that pod holds the address.
   */
  private routedTo(ip: string): KubeObject | undefined {
    const bits = (cidr: string): number => Number(cidr.split('/')[1] ?? 32);
    const route = [...this.nodeRoutes.values()].filter((r) => inCidr(ip, r.dst)).sort((a, b) => bits(b.dst) - bits(a.dst))[0];
    if (!route) return undefined;
    const pod = this.running().find((p) => vethOf(p) === route.dev);
    if (!pod || (route.via !== undefined && route.via !== pod.status.podIP)) return undefined;
    return this.podAddresses.get(ip) === pod.metadata.uid ? pod : undefined;
  }

  /** The running pod (not hostNetwork) with this IP. */
  podByIp(ip: string): KubeObject | undefined {
    return this.running().find((p) => p.status.podIP === ip);
  }

  /** The pod with this uid (the one a fake tool runs in). */
  podByUid(uid: string): KubeObject | undefined {
    return this.store.list(PODS).find((p) => p.metadata.uid === uid);
  }

  private ready(p: KubeObject): boolean {
    return ((p.status?.conditions ?? []) as Record<string, any>[]).some((c) => c.type === 'Ready' && c.status === 'True');
  }

  private endpoints(svc: KubeObject): KubeObject[] {
    const sel = svc.spec?.selector as Record<string, string> | undefined;
    if (!sel || Object.keys(sel).length === 0) return [];
    return this.running().filter((p) => p.metadata.namespace === svc.metadata.namespace && selectorMatches({ matchLabels: sel }, p.metadata.labels ?? {}) && this.ready(p));
  }

  private listening(pod: KubeObject, port: number, protocol: string): Listener | { static: true; image: string } | undefined {
    const dyn = [...this.listeners].find((l) => l.podUid === pod.metadata.uid && l.port === port && l.protocol === protocol);
    if (dyn) return dyn;
    const statuses = (pod.status?.containerStatuses ?? []) as Record<string, any>[];
    for (const c of (pod.spec?.containers ?? []) as Record<string, any>[]) {
      if (c.command && c.command.length > 0) continue; // the image's own server runs only with its default command
      // …and only while its container runs (a server that failed to start, CrashLoopBackOff, listens on nothing).
      if (!statuses.some((s) => s.name === c.name && s.state?.running)) continue;
      const ports = Object.entries(IMAGE_PORTS).find(([img]) => imageBase(String(c.image ?? '')).startsWith(img))?.[1] ?? [];
      if (ports.some((p) => p.port === port && p.protocol === protocol)) return { static: true, image: imageBase(String(c.image ?? '')) };
    }
    return undefined;
  }

  /** DNS as the pod's resolver sees it: kube-dns reachable (policies allowing), then the name looked up along the search path. */
  resolve(from: KubeObject, name: string): ResolveOutcome {
    if (isIP(name)) return { outcome: 'ok', name, addresses: [name] };
    if (name === 'localhost') return { outcome: 'ok', name, addresses: ['127.0.0.1'] }; // the pod's /etc/hosts, before DNS
    const dns = this.connectIP(from, DNS_SERVICE_IP, 53, 'UDP');
    if (dns.outcome !== 'open') return { outcome: 'timeout' };
    const ns = String(from.metadata.namespace);
    const bare = name.replace(/\.$/, '');
    const search = [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
    // resolv.conf in a pod: options ndots:5, so a name with fewer dots tries the search list first.
    const candidates = name.endsWith('.') ? [bare] : bare.split('.').length - 1 < 5 ? [...search.map((s) => `${bare}.${s}`), bare] : [bare, ...search.map((s) => `${bare}.${s}`)];
    for (const fqdn of candidates) {
      const addresses = this.lookup(fqdn);
      if (addresses.length > 0) return { outcome: 'ok', name: fqdn, addresses };
    }
    return { outcome: 'nxdomain', name: bare };
  }

  /** CoreDNS's `kubernetes` plugin: Service A records (ClusterIP, or ready pods when headless). */
  private lookup(fqdn: string): string[] {
    const m = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${CLUSTER_DOMAIN.replace('.', '\\.')}$`).exec(fqdn);
    if (!m) return [];
    const svc = this.store.get(SERVICES, m[2]!, m[1]!);
    if (!svc) return [];
    if (svc.spec?.clusterIP === 'None') return this.endpoints(svc).map((p) => String(p.status.podIP));
    return svc.spec?.clusterIP ? [String(svc.spec.clusterIP)] : [];
  }

  /** Service `kubernetes`: its endpoint is kube-apiserver on the control-plane node (InternalIP:6443), outside the pod network. */
  private toApiServer(src: NetPeer, ip: string, protocol: string): Exclude<ConnectOutcome, { outcome: 'badAddress' }> {
    const node = this.store.list(NODES).find((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined);
    const nodeIP = ((node?.status?.addresses ?? []) as Record<string, any>[]).find((a) => a.type === 'InternalIP')?.address as string | undefined;
    if (!nodeIP) return { outcome: 'refused', ip, reason: 'no control-plane node' };
    const verdict = connectionAllowed(this.world(), src, { ip: nodeIP }, 6443, protocol);
    return verdict.allowed ? { outcome: 'open', ip } : { outcome: 'timeout', ip, reason: verdict.reason };
  }

  /**
   * Where the API server reaches a Service's port (a webhook's clientConfig.service): a ready
   * endpoint pod's listener with a real local port, or why not, in Go's dial wording. No policy
   * applies (kube-apiserver dials from the node, outside the pod network).
   */
  serviceTarget(namespace: string, name: string, port: number): { ip: string; proxyPort: number } | { error: string } {
    const svc = this.store.get(SERVICES, namespace, name);
    if (!svc) return { error: `service "${name}" not found` };
    const ip = String(svc.spec?.clusterIP ?? '');
    const sp = ((svc.spec?.ports ?? []) as Record<string, any>[]).find((p) => Number(p.port) === port && (p.protocol ?? 'TCP') === 'TCP');
    if (!sp || ip === '' || ip === 'None') return { error: `dial tcp ${ip || name}:${port}: i/o timeout` };
    const target = this.endpoints(svc)[0];
    if (!target) return { error: `dial tcp ${ip}:${port}: connect: connection refused` };
    const tp = sp.targetPort ?? sp.port;
    const targetPort = typeof tp === 'number' || /^\d+$/.test(String(tp)) ? Number(tp) : this.netPod(target).ports.find((cp) => cp.name === tp)?.containerPort;
    const l = targetPort === undefined ? undefined : this.listening(target, targetPort, 'TCP');
    if (!l || !('proxyPort' in l) || !l.proxyPort) return { error: `dial tcp ${ip}:${port}: connect: connection refused` };
    return { ip, proxyPort: l.proxyPort };
  }

  /** A connection from a pod to host:port, as the pod's tools would meet it. */
  connect(from: KubeObject, host: string, port: number, protocol = 'TCP'): ConnectOutcome {
    let ip = host;
    if (!isIP(host)) {
      const r = this.resolve(from, host);
      if (r.outcome !== 'ok') return { outcome: 'badAddress', reason: r.outcome === 'timeout' ? 'DNS timed out' : 'NXDOMAIN', dnsTimeout: r.outcome === 'timeout' };
      ip = r.addresses[0]!;
    }
    return this.connectIP(from, ip, port, protocol);
  }

  private connectIP(from: KubeObject, ip: string, port: number, protocol: string): Exclude<ConnectOutcome, { outcome: 'badAddress' }> {
    const src: NetPeer = { pod: this.netPod(from) };
    // Loopback stays inside the pod's network namespace (its containers share it): no policy applies.
    // (A hostNetwork pod's loopback is the node's, not simulated here.)
    if (/^127\./.test(ip) && from.spec?.hostNetwork !== true) {
      const l = this.listening(from, port, protocol);
      if (!l) return { outcome: 'refused', ip, reason: `${from.metadata.namespace}/${from.metadata.name} does not listen on ${port}/${protocol}` };
      return { outcome: 'open', ip, ...('proxyPort' in l && l.proxyPort ? { proxyPort: l.proxyPort } : {}), ...('image' in l ? { image: l.image } : {}) };
    }
    const svc = this.store.list(SERVICES).find((s) => s.spec?.clusterIP === ip);
    let target: KubeObject | undefined;
    let targetPort = port;
    if (svc) {
      const sp = ((svc.spec?.ports ?? []) as Record<string, any>[]).find((p) => Number(p.port) === port && (p.protocol ?? 'TCP') === protocol);
      if (!sp) return { outcome: 'timeout', ip, reason: `Service ${svc.metadata.namespace}/${svc.metadata.name} has no port ${port}/${protocol}` };
      if (svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes') return this.toApiServer(src, ip, protocol);
      const eps = this.endpoints(svc);
      if (eps.length === 0) return { outcome: 'refused', ip, reason: `Service ${svc.metadata.namespace}/${svc.metadata.name} has no endpoints` };
      target = eps[Math.floor(Math.random() * eps.length)]!;
      const tp = sp.targetPort ?? sp.port;
      if (typeof tp === 'number' || /^\d+$/.test(String(tp))) targetPort = Number(tp);
      else {
        const named = this.netPod(target).ports.find((cp) => cp.name === tp && (cp.protocol ?? 'TCP') === protocol);
        if (!named) return { outcome: 'refused', ip, reason: `no container port named ${String(tp)}` };
        targetPort = named.containerPort;
      }
    } else target = this.running().find((p) => p.status.podIP === ip);
    const dst: NetPeer = target ? { pod: this.netPod(target) } : { ip };
    const verdict = connectionAllowed(this.world(), src, dst, targetPort, protocol);
    if (!verdict.allowed) return { outcome: 'timeout', ip, reason: verdict.reason };
    target ??= this.routedTo(ip);
    if (!target) return { outcome: 'timeout', ip, reason: `nothing answers at ${ip} in the fake network` };
    const l = this.listening(target, targetPort, protocol);
    if (!l) return { outcome: 'refused', ip, reason: `${target.metadata.namespace}/${target.metadata.name} does not listen on ${targetPort}/${protocol}` };
    const reset = this.mesh?.(from, target, targetPort, svc !== undefined);
    if (reset !== undefined) return { outcome: 'reset', ip, reason: reset };
    const first = ((target.spec?.containers ?? []) as Record<string, any>[])[0]?.image as string | undefined;
    const image = 'image' in l ? l.image : first ? imageBase(first) : undefined; // the page comes from the container that listens
    return { outcome: 'open', ip, ...('proxyPort' in l && l.proxyPort ? { proxyPort: l.proxyPort } : {}), ...(image ? { image } : {}) };
  }
}
