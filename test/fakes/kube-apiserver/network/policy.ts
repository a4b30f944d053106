/**
 * NetworkPolicy (networking.k8s.io/v1) evaluation for one connection, as the spec in k8s.io/api
 * networking/v1 describes it and kindnet (kube-network-policies) enforces it:
 * - A pod is isolated for ingress (egress) when some policy in its namespace selects it
 *   (`podSelector`, `{}` = every pod) and lists Ingress (Egress) in `policyTypes`. A pod no policy
 *   isolates is open in that direction.
 * - `policyTypes` left out defaults as the API server defaults it: Ingress always, plus Egress when
 *   the policy has egress rules.
 * - Policies only allow: a connection is allowed when egress from the source allows it AND ingress
 *   to the destination allows it; in each direction one matching rule of any isolating policy is enough.
 * - A rule matches when one of its peers matches (no `from`/`to` = every peer) and one of its ports
 *   matches (no `ports` = every port). Peers: `podSelector` alone = pods of the policy's namespace;
 *   `namespaceSelector` alone = every pod of the matching namespaces; both = the pods matching
 *   `podSelector` in the matching namespaces; `ipBlock` = addresses in `cidr` but not in `except`.
 * - Ports: `protocol` defaults to TCP; no `port` = every port of the protocol; `endPort` makes a
 *   range; a named port is looked up in the destination pod's containers (name and protocol).
 * Policies see pod IPs and container ports: a connection to a Service is judged after the Service
 * has been translated to one of its endpoints (pod IP and target port).
 */

/** A pod as the network sees it. */
export interface NetPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  /** The containers' declared ports (for named ports). */
  ports: { name?: string; containerPort: number; protocol?: string }[];
}

/** One end of a connection: a pod, or an address outside the pod network (a node, the internet). */
export type NetPeer = { pod: NetPod } | { ip: string };

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The parts of a NetworkPolicy that decide traffic. */
export interface NetworkPolicyLike {
  metadata: { name: string; namespace: string };
  spec?: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number | string; endPort?: number }[];
}

/** Everything a decision needs: the policies and the namespaces' labels. */
export interface PolicyWorld {
  policies: NetworkPolicyLike[];
  namespaceLabels(namespace: string): Record<string, string> | undefined;
}

/** What the policies decided, and why (for logs and tests). */
export interface Verdict {
  allowed: boolean;
  reason: string;
}

/** Does a label selector match these labels? `{}` matches everything. */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The policy types in effect: the field, or the API server's default when it is empty. */
export function policyTypes(p: NetworkPolicyLike): string[] {
  const t = p.spec?.policyTypes ?? [];
  if (t.length > 0) return t;
  return (p.spec?.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Is the IPv4 address inside the CIDR? */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipToInt(ip);
  const b = ipToInt(base ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  if (bits === 0) return true;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

const ipOf = (p: NetPeer): string => ('pod' in p ? p.pod.ip : p.ip);

function peerMatches(world: PolicyWorld, policyNs: string, peer: PolicyPeer, other: NetPeer): boolean {
  if (peer.ipBlock) {
    const ip = ipOf(other);
    return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c));
  }
  if (!peer.podSelector && !peer.namespaceSelector) return false; // the API server refuses such a peer
  if (!('pod' in other)) return false;
  const pod = other.pod;
  const nsOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, world.namespaceLabels(pod.namespace) ?? {}) : pod.namespace === policyNs;
  return nsOk && (!peer.podSelector || selectorMatches(peer.podSelector, pod.labels));
}

function portMatches(p: NonNullable<PolicyRule['ports']>[number], port: number, protocol: string, dst: NetPeer): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined || p.port === null) return true;
  if (typeof p.port === 'number') return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  if (!('pod' in dst)) return false; // a named port needs a pod to name it
  return dst.pod.ports.some((cp) => cp.name === p.port && (cp.protocol ?? 'TCP') === protocol && cp.containerPort === port);
}

function ruleMatches(world: PolicyWorld, policyNs: string, rule: PolicyRule, peers: PolicyPeer[] | undefined, other: NetPeer, port: number, protocol: string, dst: NetPeer): boolean {
  const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(world, policyNs, peer, other));
  const portOk = !rule.ports || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, port, protocol, dst));
  return peerOk && portOk;
}

const describe = (p: NetPeer): string => ('pod' in p ? `${p.pod.namespace}/${p.pod.name}` : p.ip);

/** One direction: may `self` (a pod) send (egress) or receive (ingress) this connection? */
function direction(world: PolicyWorld, dir: 'Ingress' | 'Egress', self: NetPod, other: NetPeer, port: number, protocol: string, src: NetPeer, dst: NetPeer): Verdict {
  const isolating = world.policies.filter(
    (p) => p.metadata.namespace === self.namespace && selectorMatches(p.spec?.podSelector ?? {}, self.labels) && policyTypes(p).includes(dir),
  );
  if (isolating.length === 0) return { allowed: true, reason: `no ${dir.toLowerCase()} policy selects ${self.namespace}/${self.name}` };
  for (const p of isolating) {
    const rules = (dir === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? [];
    const i = rules.findIndex((r) => ruleMatches(world, p.metadata.namespace, r, dir === 'Ingress' ? r.from : r.to, other, port, protocol, dst));
    if (i >= 0) return { allowed: true, reason: `${dir.toLowerCase()} allowed by NetworkPolicy ${p.metadata.namespace}/${p.metadata.name} rule ${i}` };
  }
  const names = isolating.map((p) => p.metadata.name).join(', ');
  return { allowed: false, reason: `${describe(src)} → ${describe(dst)}:${port}/${protocol} denied on ${dir.toLowerCase()}: ${self.namespace}/${self.name} is isolated by ${names} and no rule allows it` };
}

/**
 * May `src` open a connection to `dst` on `port`/`protocol`? `dst` is the endpoint after Service
 * translation (pod IP and target port). Traffic between two addresses outside the pod network
 * is not policed.
 */
export function connectionAllowed(world: PolicyWorld, src: NetPeer, dst: NetPeer, port: number, protocol = 'TCP'): Verdict {
  if ('pod' in src) {
    const out = direction(world, 'Egress', src.pod, dst, port, protocol, src, dst);
    if (!out.allowed || !('pod' in dst)) return out;
  }
  if ('pod' in dst) return direction(world, 'Ingress', dst.pod, src, port, protocol, src, dst);
  return { allowed: true, reason: 'not policed' };
}
