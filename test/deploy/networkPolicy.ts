/**
 * NetworkPolicy semantics for the deploy tests: which connections a set of policies allows, rule by
 * rule (label selectors, namespace selectors, ipBlocks with their exceptions, numeric and named
 * ports, Ingress on the destination and Egress on the source). ipBlocks match pod addresses too, as
 * Calico does; IPv4 only.
 */
export type Obj = Record<string, any>;

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok = { In: has && (e.values ?? []).includes(labels[e.key]!), NotIn: !has || !(e.values ?? []).includes(labels[e.key]!), Exists: has, DoesNotExist: !has }[e.operator];
    if (!ok) return false;
  }
  return true;
}

export interface Endpoint {
  name: string;
  ip: string;
  /** Pods have a namespace and labels; addresses outside the cluster have neither. */
  namespace?: string;
  labels?: Record<string, string>;
  /** Named container ports. */
  ports?: Record<string, number>;
}

function ipv4(ip: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  return m ? m.slice(1).reduce((n, p) => n * 256 + Number(p), 0) : null;
}
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(net!);
  if (a === null || b === null) return false; // the IPv6 blocks never hold the IPv4 addresses used here
  const size = 2 ** (32 - Number(bits));
  return Math.floor(a / size) === Math.floor(b / size);
}


/** Does `peer` of a policy in `policyNs` match `ep`? ipBlocks match pod addresses too (as Calico does). */
function peerMatches(peer: Obj, policyNs: string, ep: Endpoint, namespaceLabels: Record<string, Record<string, string>>): boolean {
  if (peer.ipBlock) return inCidr(ep.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(ep.ip, c));
  if (!ep.namespace) return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels[ep.namespace] ?? { 'kubernetes.io/metadata.name': ep.namespace }) : ep.namespace === policyNs;
  return nsOk && (peer.podSelector ? selects(peer.podSelector, ep.labels ?? {}) : true);
}

function portMatches(ports: Obj[] | undefined, port: number, protocol: string, dst: Endpoint): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port || (typeof p.port === 'string' && dst.ports?.[p.port] === port)));
}

/** Is a connection src → dst:port allowed by the NetworkPolicies (egress of src, ingress of dst)? */
export function allowed(policies: Obj[], src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP', namespaceLabels: Record<string, Record<string, string>> = {}): boolean {
  const side = (ep: Endpoint, type: 'Ingress' | 'Egress', other: Endpoint): boolean => {
    if (!ep.namespace) return true;
    const applying = policies.filter((p) => (p.metadata.namespace ?? 'default') === ep.namespace && (p.spec.policyTypes ?? ['Ingress']).includes(type) && selects(p.spec.podSelector, ep.labels ?? {}));
    if (applying.length === 0) return true;
    return applying.some((p) =>
      ((type === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []).some((rule: Obj) => {
        const peers: Obj[] | undefined = type === 'Ingress' ? rule.from : rule.to;
        const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.metadata.namespace, other, namespaceLabels));
        return peerOk && portMatches(rule.ports, port, protocol, dst);
      }),
    );
  };
  return side(src, 'Egress', dst) && side(dst, 'Ingress', src);
}
