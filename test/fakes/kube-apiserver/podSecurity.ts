/**
 * The PodSecurity admission plugin (k8s.io/pod-security-admission, as built into kube-apiserver
 * v1.34, on by default): the Pod Security Standards' baseline and restricted checks, evaluated
 * against a namespace's `pod-security.kubernetes.io/{enforce,warn,audit}[-version]` labels.
 * - Pod create (and a significant Pod update) in a namespace whose enforce level the pod violates
 *   is forbidden: `pods "x" is forbidden: violates PodSecurity "restricted:latest": <reason> (<detail>), …`.
 * - A violation of the warn level comes back as a warning (kubectl prints `Warning: would violate …`);
 *   workload resources (Deployment, DaemonSet, …) are checked against warn only, never enforced.
 * - Setting an enforce label warns about existing pods that violate it.
 * Checks, their ids, order (baseline ids sorted, then restricted ids sorted), reasons and details
 * follow pod-security-admission's policy/check_*.go for v1.34 ("latest" on a v1.34 server).
 */
import type { KubeObject } from './store.js';

type Obj = Record<string, any>;
type Level = 'privileged' | 'baseline' | 'restricted';

interface CheckResult {
  reason: string;
  detail: string;
}

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline checks a restricted check replaces. */
  overrides?: string[];
  run(meta: Obj, spec: Obj): CheckResult | undefined;
}

const LABEL = 'pod-security.kubernetes.io/';
const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const joinQuote = (items: string[]): string => (items.length ? `"${items.join('", "')}"` : '');
const sortedUnique = (items: Iterable<string>): string[] => [...new Set(items)].sort();
const containersLabel = (names: string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Init, regular and ephemeral containers, in that order (visitContainers). */
function containers(spec: Obj): Obj[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].filter((c) => c && typeof c === 'object');
}

const sc = (c: Obj): Obj | undefined => (c.securityContext && typeof c.securityContext === 'object' ? c.securityContext : undefined);
const podSc = (spec: Obj): Obj | undefined => (spec.securityContext && typeof spec.securityContext === 'object' ? spec.securityContext : undefined);
const isWindows = (spec: Obj): boolean => spec.os?.name === 'windows';

/** "pod and containers "a", "b" must …" style setters for explicit pod/container values. */
function setters(podBad: boolean, badContainers: string[]): string[] {
  const out: string[] = podBad ? ['pod'] : [];
  if (badContainers.length) out.push(containersLabel(badContainers));
  return out;
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const ALLOWED_VOLUME_KINDS = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);
const validSeccomp = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';
const validAppArmor = (t: unknown): boolean => t === 'RuntimeDefault' || t === 'Localhost';

const CHECKS: Check[] = [
  {
    id: 'appArmorProfile',
    level: 'baseline',
    run(meta, spec) {
      const badValues: string[] = [];
      const podProfile = podSc(spec)?.appArmorProfile;
      const podBad = podProfile && !validAppArmor(podProfile.type);
      if (podBad) badValues.push(String(podProfile.type));
      const bad: string[] = [];
      for (const c of containers(spec)) {
        const p = sc(c)?.appArmorProfile;
        if (p && !validAppArmor(p.type)) {
          bad.push(c.name);
          badValues.push(String(p.type));
        }
      }
      const who = setters(Boolean(podBad), bad);
      const values = sortedUnique(badValues);
      const annotations = Object.entries((meta.annotations ?? {}) as Record<string, string>)
        .filter(([k, v]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(v === 'runtime/default' || v.startsWith('localhost/')))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .sort();
      if (annotations.length) {
        values.push(...annotations);
        who.push(pluralize('annotation', 'annotations', annotations.length));
      }
      if (!who.length) return undefined;
      return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length), detail: `${who.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}` };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(spec)) {
        const add: unknown[] = sc(c)?.capabilities?.add ?? [];
        const extra = add.map(String).filter((a) => !BASELINE_CAPABILITIES.has(a));
        if (extra.length) {
          bad.push(c.name);
          extra.forEach((a) => caps.add(a));
        }
      }
      if (!bad.length) return undefined;
      return { reason: 'non-default capabilities', detail: `${containersLabel(bad)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    run(_meta, spec) {
      const ns = [spec.hostNetwork === true && 'hostNetwork=true', spec.hostPID === true && 'hostPID=true', spec.hostIPC === true && 'hostIPC=true'].filter(Boolean) as string[];
      return ns.length ? { reason: 'host namespaces', detail: ns.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    run(_meta, spec) {
      const vols = ((spec.volumes ?? []) as Obj[]).filter((v) => v?.hostPath).map((v) => String(v.name));
      return vols.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const ports = new Set<string>();
      for (const c of containers(spec)) {
        const hp = ((c.ports ?? []) as Obj[]).map((p) => Number(p?.hostPort ?? 0)).filter((p) => p !== 0);
        if (hp.length) {
          bad.push(c.name);
          hp.forEach((p) => ports.add(String(p)));
        }
      }
      if (!bad.length) return undefined;
      const list = sortedUnique(ports);
      return { reason: 'hostPort', detail: `${containersLabel(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}` };
    },
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    run(_meta, spec) {
      const bad = new Set<string>();
      const hosts = new Set<string>();
      for (const c of containers(spec)) {
        const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].filter(Boolean) as Obj[];
        for (const h of handlers) {
          for (const host of [h.httpGet?.host, h.tcpSocket?.host]) {
            if (typeof host === 'string' && host !== '' && host !== '127.0.0.1' && host !== '::1') {
              bad.add(c.name);
              hosts.add(host);
            }
          }
        }
      }
      if (!bad.size) return undefined;
      const names = sortedUnique(bad);
      const list = sortedUnique(hosts);
      return { reason: 'probe or lifecycle host', detail: `${containersLabel(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', list.length)} ${joinQuote(list)}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    run(_meta, spec) {
      const bad = containers(spec).filter((c) => sc(c)?.privileged === true).map((c) => String(c.name));
      return bad.length ? { reason: 'privileged', detail: `${containersLabel(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    run(_meta, spec) {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const c of containers(spec)) {
        const pm = sc(c)?.procMount;
        if (pm !== undefined && pm !== null && pm !== 'Default') {
          bad.push(c.name);
          types.add(String(pm));
        }
      }
      return bad.length ? { reason: 'procMount', detail: `${containersLabel(bad)} must not set securityContext.procMount to ${joinQuote(sortedUnique(types))}` } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    run(_meta, spec) {
      const badTypes = new Set<string>();
      let setUser = false;
      let setRole = false;
      const check = (o: Obj | undefined): boolean => {
        if (!o) return false;
        let bad = false;
        if (!SELINUX_TYPES.has(String(o.type ?? ''))) {
          badTypes.add(String(o.type));
          bad = true;
        }
        if (o.user) setUser = bad = true;
        if (o.role) setRole = bad = true;
        return bad;
      };
      const podBad = check(podSc(spec)?.seLinuxOptions);
      const bad = containers(spec).filter((c) => check(sc(c)?.seLinuxOptions)).map((c) => String(c.name));
      const who = setters(podBad, bad);
      if (!who.length) return undefined;
      const details: string[] = [];
      if (badTypes.size) details.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedUnique(badTypes))}`);
      if (setUser) details.push('user may not be set');
      if (setRole) details.push('role may not be set');
      return { reason: 'seLinuxOptions', detail: `${who.join(' and ')} set forbidden securityContext.seLinuxOptions: ${details.join('; ')}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    run(_meta, spec) {
      const badValues = new Set<string>();
      const podProfile = podSc(spec)?.seccompProfile;
      const podBad = Boolean(podProfile && !validSeccomp(podProfile.type));
      if (podBad) badValues.add(String(podProfile.type));
      const bad = containers(spec).filter((c) => {
        const p = sc(c)?.seccompProfile;
        if (p && !validSeccomp(p.type)) {
          badValues.add(String(p.type));
          return true;
        }
        return false;
      }).map((c) => String(c.name));
      const who = setters(podBad, bad);
      return who.length ? { reason: 'seccompProfile', detail: `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}` } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    run(_meta, spec) {
      const bad = ((podSc(spec)?.sysctls ?? []) as Obj[]).map((s) => String(s?.name)).filter((n) => !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    run(_meta, spec) {
      const podBad = podSc(spec)?.windowsOptions?.hostProcess === true;
      const bad = containers(spec).filter((c) => sc(c)?.windowsOptions?.hostProcess === true).map((c) => String(c.name));
      const who = setters(podBad, bad);
      return who.length ? { reason: 'hostProcess', detail: `${who.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    run(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const bad = containers(spec).filter((c) => sc(c)?.allowPrivilegeEscalation !== false).map((c) => String(c.name));
      return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersLabel(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    run(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const missingDrop: string[] = [];
      const adding: string[] = [];
      const forbidden = new Set<string>();
      for (const c of containers(spec)) {
        const caps = sc(c)?.capabilities;
        if (!caps) {
          missingDrop.push(c.name);
          continue;
        }
        if (!((caps.drop ?? []) as unknown[]).includes('ALL')) missingDrop.push(c.name);
        const extra = ((caps.add ?? []) as unknown[]).map(String).filter((a) => a !== 'NET_BIND_SERVICE');
        if (extra.length) {
          adding.push(c.name);
          extra.forEach((a) => forbidden.add(a));
        }
      }
      const details: string[] = [];
      if (missingDrop.length) details.push(`${containersLabel(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${containersLabel(adding)} must not include ${joinQuote(sortedUnique(forbidden))} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    run(_meta, spec) {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const v of (spec.volumes ?? []) as Obj[]) {
        const kinds = Object.keys(v ?? {}).filter((k) => k !== 'name');
        if (kinds.some((k) => ALLOWED_VOLUME_KINDS.has(k))) continue;
        bad.push(String(v?.name));
        types.add(kinds[0] ?? 'unknown');
      }
      if (!bad.length) return undefined;
      const list = sortedUnique(types);
      return {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    run(_meta, spec) {
      const podValue = podSc(spec)?.runAsNonRoot;
      const podBad = podValue === false;
      const podOk = podValue === true;
      const explicit: string[] = [];
      const implicit: string[] = [];
      for (const c of containers(spec)) {
        const v = sc(c)?.runAsNonRoot;
        if (v === true || v === false) {
          if (v === false) explicit.push(c.name);
        } else if (!podOk) implicit.push(c.name);
      }
      const who = setters(podBad, explicit);
      if (who.length) return { reason: 'runAsNonRoot != true', detail: `${who.join(' and ')} must not set securityContext.runAsNonRoot=false` };
      if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersLabel(implicit)} must set securityContext.runAsNonRoot=true` };
      return undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    run(_meta, spec) {
      const podBad = podSc(spec)?.runAsUser === 0;
      const bad = containers(spec).filter((c) => sc(c)?.runAsUser === 0).map((c) => String(c.name));
      const who = setters(podBad, bad);
      return who.length ? { reason: 'runAsUser=0', detail: `${who.join(' and ')} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    run(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const badValues = new Set<string>();
      const podProfile = podSc(spec)?.seccompProfile;
      const podBad = Boolean(podProfile && !validSeccomp(podProfile.type));
      if (podBad) badValues.add(String(podProfile.type));
      const podSet = Boolean(podProfile && !podBad);
      const explicit: string[] = [];
      const implicit: string[] = [];
      for (const c of containers(spec)) {
        const p = sc(c)?.seccompProfile;
        if (p) {
          if (!validSeccomp(p.type)) {
            explicit.push(c.name);
            badValues.add(String(p.type));
          }
        } else if (!podSet) implicit.push(c.name);
      }
      const who = setters(podBad, explicit);
      if (who.length) return { reason: 'seccompProfile', detail: `${who.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedUnique(badValues))}` };
      if (implicit.length) return { reason: 'seccompProfile', detail: `pod or ${containersLabel(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
      return undefined;
    },
  },
];

const BASELINE = CHECKS.filter((c) => c.level === 'baseline').sort((a, b) => (a.id < b.id ? -1 : 1));
const RESTRICTED_ONLY = CHECKS.filter((c) => c.level === 'restricted').sort((a, b) => (a.id < b.id ? -1 : 1));
const OVERRIDDEN = new Set(RESTRICTED_ONLY.flatMap((c) => c.overrides ?? []));

/** The checks of a level, in pod-security-admission's order (baseline ids, then restricted ids). */
function checksFor(level: Level): Check[] {
  if (level === 'privileged') return [];
  if (level === 'baseline') return BASELINE;
  return [...BASELINE.filter((c) => !OVERRIDDEN.has(c.id)), ...RESTRICTED_ONLY];
}

/** Every failing check of `level`, in pod-security-admission's order. */
function failures(level: Level, meta: Obj, spec: Obj): CheckResult[] {
  return checksFor(level)
    .map((c) => c.run(meta ?? {}, spec ?? {}))
    .filter((r): r is CheckResult => r !== undefined);
}

/** `reason (detail), reason (detail)` for every failing check of `level`, or undefined when the pod passes. */
export function evaluatePodSecurity(level: Level, meta: Obj, spec: Obj): string | undefined {
  const failed = failures(level, meta, spec);
  return failed.length ? failed.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(', ') : undefined;
}

/** The short reasons only (the namespace-label warning lists these per pod). */
function reasonsOnly(level: Level, meta: Obj, spec: Obj): string | undefined {
  const failed = failures(level, meta, spec);
  return failed.length ? failed.map((f) => f.reason).join(', ') : undefined;
}

interface ModePolicy {
  level: Level;
  /** `restricted:latest` as messages print it. */
  label: string;
}

/** A namespace's policy for one mode; an invalid level is evaluated as restricted (fail safe), as the plugin does. */
function policyFor(labels: Record<string, string>, mode: 'enforce' | 'warn' | 'audit'): ModePolicy {
  const raw = labels[`${LABEL}${mode}`];
  const level: Level = raw === undefined ? 'privileged' : (LEVELS as readonly string[]).includes(raw) ? (raw as Level) : 'restricted';
  const rawVersion = labels[`${LABEL}${mode}-version`];
  const version = rawVersion && /^v1\.\d{1,2}$/.test(rawVersion) ? rawVersion : 'latest';
  return { level, label: `${level}:${version}` };
}

/** Workload kinds whose pod template PodSecurity evaluates (warn and audit only). */
const TEMPLATE_PATHS: Record<string, (o: Obj) => Obj | undefined> = {
  Deployment: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  ReplicationController: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  PodTemplate: (o) => o.template,
};

export interface PodSecurityDecision {
  /** Set when the request is forbidden: the message after `<resource> "<name>" is forbidden: `. */
  forbidden?: string;
  warnings: string[];
}

/**
 * Admission of a Pod (create, or an update that changes its containers) or of a workload with a
 * pod template, in a namespace with these labels. Other kinds pass untouched.
 */
export function admitPodSecurity(kind: string, obj: KubeObject, nsLabels: Record<string, string>, oldObj?: KubeObject): PodSecurityDecision {
  const warnings: string[] = [];
  let meta: Obj | undefined;
  let spec: Obj | undefined;
  const isPod = kind === 'Pod';
  if (isPod) {
    if (oldObj && !significantPodUpdate(obj, oldObj)) return { warnings };
    meta = obj.metadata;
    spec = obj.spec;
  } else if (TEMPLATE_PATHS[kind]) {
    const template = TEMPLATE_PATHS[kind]!(obj);
    if (!template) return { warnings };
    meta = template.metadata ?? {};
    spec = template.spec ?? {};
  } else return { warnings };
  const enforce = policyFor(nsLabels, 'enforce');
  if (isPod) {
    const violation = evaluatePodSecurity(enforce.level, meta ?? {}, spec ?? {});
    if (violation) return { forbidden: `violates PodSecurity "${enforce.label}": ${violation}`, warnings };
  }
  const warn = policyFor(nsLabels, 'warn');
  const warnViolation = evaluatePodSecurity(warn.level, meta ?? {}, spec ?? {});
  if (warnViolation) warnings.push(`would violate PodSecurity "${warn.label}": ${warnViolation}`);
  return { warnings };
}

/** Image changes and added containers are significant; everything else a Pod update may change is not. */
function significantPodUpdate(pod: KubeObject, old: KubeObject): boolean {
  const images = (o: KubeObject): string => JSON.stringify(containers(o.spec ?? {}).map((c) => [c.name, c.image]));
  return images(pod) !== images(old) || JSON.stringify(pod.metadata?.annotations ?? {}) !== JSON.stringify(old.metadata?.annotations ?? {});
}

/**
 * Warnings for a namespace whose enforce level changes: existing pods that violate the new level
 * (`existing pods in namespace "x" violate the new PodSecurity enforce level "restricted:latest"`,
 * then `<pod> (and N other pods): <reasons>`), as kubectl label/apply shows them.
 */
export function namespaceLabelWarnings(namespace: string, newLabels: Record<string, string>, oldLabels: Record<string, string>, pods: KubeObject[]): string[] {
  const next = policyFor(newLabels, 'enforce');
  const prev = policyFor(oldLabels, 'enforce');
  if (next.label === prev.label || next.level === 'privileged') return [];
  const byReason = new Map<string, { first: string; count: number }>();
  for (const pod of pods) {
    const r = reasonsOnly(next.level, pod.metadata ?? {}, pod.spec ?? {});
    if (!r) continue;
    const entry = byReason.get(r);
    if (!entry) byReason.set(r, { first: pod.metadata.name, count: 1 });
    else {
      entry.count++;
      if (pod.metadata.name < entry.first) entry.first = pod.metadata.name;
    }
  }
  if (!byReason.size) return [];
  const podWarnings = [...byReason].map(([reason, { first, count }]) => {
    if (count === 1) return `${first}: ${reason}`;
    if (count === 2) return `${first} (and 1 other pod): ${reason}`;
    return `${first} (and ${count - 1} other pods): ${reason}`;
  });
  return [`existing pods in namespace "${namespace}" violate the new PodSecurity enforce level "${next.label}"`, ...podWarnings.sort()];
}
