'use strict';
// Fake `kubesec` 2.14.2 for fake kind nodes whose image says LABEL io.cks-lab.tools="…kubesec…"
// (copied to the node's /usr/local/bin/kubesec by node-image.mjs). Follows the real tool
// (github.com/controlplaneio/kubesec v2.14.2): `kubesec scan FILE|-|/dev/stdin [--exit-code N]
// [-o FILE] [--absolute-path]` and `kubesec version`; documents split on "\n---\n" as
// ruler.Run does; for each one a report {object, valid, fileName, message, score, scoring{critical,
// passed, advise}} with pkg/ruler/ruleset.go's rule ids, selectors, reasons and points, each rule's
// predicate as in pkg/rules (pod- and container-level securityContext precedence, init
// containers counted), sorted as RuleRefCustomOrder sorts, pretty-printed with two spaces;
// exit code 2 (or --exit-code) when a report's score is ≤ 0, else 0.
// Simplified, on purpose: the real tool first validates each object against the Kubernetes JSON
// schema (kubeconform, strict) and reports an invalid one with valid:false and score 0; this fake
// validates nothing (a manifest with a misspelt field is scored). --format template, --debug and
// `kubesec http` are not simulated (exit 2).
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
// eslint-disable-next-line no-undef
const YAML = require(typeof CKS_FAKE_YAML_MODULE === 'string' ? CKS_FAKE_YAML_MODULE : 'yaml');

const VERSION = '2.14.2';
const COMMIT = 'bb804de5ed6f311a7d281c3d119fe85e77e75a13';
const DATE = '2024-11-22T16:34:22Z';
const WORKLOADS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet'];
const die = (msg, code = 1) => {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
};

const specOf = (o) => (o.kind === 'Pod' ? o.spec : o.spec?.template?.spec) ?? {};
/** checkSecurityContext (pkg/rules/helper.go): containers whose own value is valid, or unset with a valid pod-level one. */
function scCount(o, podLevel, fn) {
  const spec = specOf(o);
  const atPod = podLevel && fn(spec.securityContext ?? {}) === true;
  let n = 0;
  for (const c of [...(Array.isArray(spec.initContainers) ? spec.initContainers : []), ...(Array.isArray(spec.containers) ? spec.containers : [])]) {
    const r = fn(c?.securityContext ?? {});
    if (r === true || (r === undefined && atPod)) n++;
  }
  return n;
}
const bool = (key) => (sc) => (typeof sc[key] === 'boolean' ? sc[key] : undefined);
const above10000 = (key) => (sc) => (typeof sc[key] === 'number' ? sc[key] > 10000 : undefined);
const containersWith = (o, get) => (Array.isArray(specOf(o).containers) ? specOf(o).containers : []).filter((c) => get(c ?? {}) !== undefined && get(c ?? {}) !== null).length;
const goFmt = (v) => (Array.isArray(v) ? `[${v.map(goFmt).join(' ')}]` : v === null || v === undefined ? '<nil>' : typeof v === 'object' ? `map[${Object.keys(v).sort().map((k) => `${k}:${goFmt(v[k])}`).join(' ')}]` : String(v));
/** seccompAny / apparmorAny: the object's annotations printed as Go prints a map, matched as the rule does. */
function annotationRule(o, key, unconfinedPoints) {
  const ann = o.metadata?.annotations;
  if (ann === undefined || ann === null) return 0;
  const s = goFmt(ann);
  if (s.includes(`${key}/pod:`)) return s.includes(`${key}/pod:unconfined`) ? 0 : 1;
  const k = key.replace(/\./g, '\\.');
  if (!new RegExp(`[\\[ ]${k}/[a-zA-Z-.]+:`).test(s)) return 0;
  return new RegExp(`[\\[ ]${k}/[a-zA-Z-.]+:unconfined[\\] ]`).test(s) ? unconfinedPoints : 1;
}
function seccompUnconfined(o) {
  const s = goFmt(o.metadata?.annotations ?? null);
  if (s.includes('seccomp.security.alpha.kubernetes.io/pod:unconfined')) return 1;
  return /[[ ]seccomp\.security\.alpha\.kubernetes\.io\/[a-zA-Z-.]+:unconfined[\] ]/.test(s) ? 1 : 0;
}

const ALL = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet'];
/** ruler.NewRuleset: id, selector, reason, points, predicate (count of matching containers). */
const RULES = [
  { id: 'HostNetwork', selector: '.spec .hostNetwork == true', reason: "Sharing the host's network namespace permits processes in the pod to communicate with processes bound to the host's loopback adapter", points: -9, eval: (o) => (specOf(o).hostNetwork === true ? 1 : 0) },
  { id: 'HostPID', selector: '.spec .hostPID == true', reason: "Sharing the host's PID namespace allows visibility of processes on the host, potentially leaking information such as environment variables and configuration", points: -9, eval: (o) => (specOf(o).hostPID === true ? 1 : 0) },
  { id: 'HostIPC', selector: '.spec .hostIPC == true', reason: "Sharing the host's IPC namespace allows container processes to communicate with processes on the host", points: -9, eval: (o) => (specOf(o).hostIPC === true ? 1 : 0) },
  { id: 'ReadOnlyRootFilesystem', selector: 'containers[] .securityContext .readOnlyRootFilesystem == true', reason: 'An immutable root filesystem can prevent malicious binaries being added to PATH and increase attack cost', points: 1, eval: (o) => scCount(o, false, bool('readOnlyRootFilesystem')) },
  { id: 'RunAsNonRoot', selector: '.spec, .spec.containers[] | .securityContext .runAsNonRoot == true', reason: 'Force the running image to run as a non-root user to ensure least privilege', points: 1, eval: (o) => scCount(o, true, bool('runAsNonRoot')) },
  { id: 'RunAsUser', selector: '.spec, .spec.containers[] | .securityContext .runAsUser -gt 10000', reason: "Run as a high-UID user to avoid conflicts with the host's users", points: 1, eval: (o) => scCount(o, true, above10000('runAsUser')) },
  { id: 'RunAsGroup', selector: '.spec, .spec.containers[] | .securityContext .runAsGroup -gt 10000', reason: "Run as a high-UID group to avoid conflicts with the host's groups", points: 1, eval: (o) => scCount(o, true, above10000('runAsGroup')) },
  { id: 'Privileged', selector: 'containers[] .securityContext .privileged == true', reason: 'Privileged containers can allow almost completely unrestricted host access', points: -30, eval: (o) => scCount(o, false, bool('privileged')) },
  { id: 'CapSysAdmin', selector: 'containers[] .securityContext .capabilities .add == SYS_ADMIN', reason: 'CAP_SYS_ADMIN is the most privileged capability and should always be avoided', points: -30, eval: (o) => scCount(o, false, (sc) => (sc.capabilities?.add === undefined || sc.capabilities?.add === null ? undefined : goFmt(sc.capabilities.add).includes('SYS_ADMIN'))) },
  { id: 'CapDropAny', selector: 'containers[] .securityContext .capabilities .drop', reason: 'Reducing kernel capabilities available to a container limits its attack surface', points: 1, eval: (o) => scCount(o, false, (sc) => (Array.isArray(sc.capabilities?.drop) ? sc.capabilities.drop.length > 0 && !goFmt(sc.capabilities.drop).includes('<nil>') : undefined)) },
  { id: 'CapDropAll', selector: 'containers[] .securityContext .capabilities .drop | index("ALL")', reason: 'Drop all capabilities and add only those required to reduce syscall attack surface', points: 1, eval: (o) => scCount(o, false, (sc) => (sc.capabilities?.drop === undefined || sc.capabilities?.drop === null ? undefined : goFmt(sc.capabilities.drop).toUpperCase().includes('ALL'))) },
  { id: 'DockerSock', selector: 'volumes[] .hostPath .path == /var/run/docker.sock', reason: 'Mounting the docker.socket leaks information about other containers and can allow container breakout', points: -9, eval: (o) => ((specOf(o).volumes ?? []).some((v) => String(v?.hostPath?.path ?? '').includes('/var/run/docker.sock')) ? 1 : 0) },
  { id: 'ProcMount', selector: 'volumes[] .hostPath .path == /proc', reason: 'Mounting the proc directory from the host system into a container gives access to information about other containers running on the same host and can allow container breakout', points: -9, eval: (o) => ((specOf(o).volumes ?? []).some((v) => String(v?.hostPath?.path ?? '').includes('/proc')) ? 1 : 0) },
  { id: 'RequestsCPU', selector: 'containers[] .resources .requests .cpu', reason: 'Enforcing CPU requests aids a fair balancing of resources across the cluster', points: 1, eval: (o) => containersWith(o, (c) => c.resources?.requests?.cpu) },
  { id: 'LimitsCPU', selector: 'containers[] .resources .limits .cpu', reason: 'Enforcing CPU limits prevents DOS via resource exhaustion', points: 1, eval: (o) => containersWith(o, (c) => c.resources?.limits?.cpu) },
  { id: 'RequestsMemory', selector: 'containers[] .resources .requests .memory', reason: 'Enforcing memory requests aids a fair balancing of resources across the cluster', points: 1, eval: (o) => containersWith(o, (c) => c.resources?.requests?.memory) },
  { id: 'LimitsMemory', selector: 'containers[] .resources .limits .memory', reason: 'Enforcing memory limits prevents DOS via resource exhaustion', points: 1, eval: (o) => containersWith(o, (c) => c.resources?.limits?.memory) },
  { id: 'ServiceAccountName', selector: '.spec .serviceAccountName', reason: 'Service accounts restrict Kubernetes API access and should be configured with least privilege', points: 3, eval: (o) => (specOf(o).serviceAccountName !== undefined && specOf(o).serviceAccountName !== null ? 1 : 0) },
  { id: 'HostAliases', selector: '.spec .hostAliases', reason: "Managing /etc/hosts aliases can prevent the container from modifying the file after a pod's containers have already been started. DNS should be managed by the orchestrator", points: -3, eval: (o) => (specOf(o).hostAliases !== undefined && specOf(o).hostAliases !== null ? 1 : 0) },
  { id: 'SeccompAny', selector: '.metadata .annotations ."container.seccomp.security.alpha.kubernetes.io/pod"', reason: 'Seccomp profiles set minimum privilege and secure against unknown threats', points: 1, eval: (o) => annotationRule(o, 'seccomp.security.alpha.kubernetes.io', 0) },
  { id: 'SeccompUnconfined', selector: '.metadata .annotations ."container.seccomp.security.alpha.kubernetes.io/pod"', reason: 'Unconfined Seccomp profiles have full system call access', points: -1, eval: seccompUnconfined },
  { id: 'ApparmorAny', selector: '.metadata .annotations ."container.apparmor.security.beta.kubernetes.io/nginx"', reason: 'Well defined AppArmor policies may provide greater protection from unknown threats. WARNING: NOT PRODUCTION READY', points: 3, eval: (o) => annotationRule(o, 'container.apparmor.security.beta.kubernetes.io', 0) },
  { id: 'VolumeClaimAccessModeReadWriteOnce', selector: '.spec .volumeClaimTemplates[] .spec .accessModes | index("ReadWriteOnce")', reason: 'Setting the access mode of ReadWriteOnce on volumeClaimTemplates (if any exist) allows only one node to mount the persistentVolume', points: 1, kinds: ['StatefulSet'], eval: (o) => ((o.spec?.volumeClaimTemplates ?? []).some((t) => (t?.spec?.accessModes ?? []).includes('ReadWriteOnce')) ? 1 : 0) },
  { id: 'VolumeClaimRequestsStorage', selector: '.spec .volumeClaimTemplates[] .spec .resources .requests .storage', reason: "Setting a storage request on volumeClaimTemplates (if any exist) allows for the StatefulSet's PVCs to be bound to appropriately sized PVs.", points: 1, kinds: ['StatefulSet'], eval: (o) => ((o.spec?.volumeClaimTemplates ?? []).filter((t) => t?.spec?.resources?.requests?.storage !== undefined).length) },
  { id: 'AllowPrivilegeEscalation', selector: 'containers[] .securityContext .allowPrivilegeEscalation == true', reason: 'Ensure a non-root process can not gain more privileges', points: -7, eval: (o) => scCount(o, false, bool('allowPrivilegeEscalation')) },
  { id: 'AutomountServiceAccountToken', selector: '.spec .automountServiceAccountToken == false', reason: 'Disabling the automounting of Service Account Token reduces the attack surface of the API server', points: 1, eval: (o) => (specOf(o).automountServiceAccountToken === false ? 1 : 0) },
];

/** RuleRefCustomOrder: by points (descending when either is positive, else ascending), then selector. */
function order(a, b) {
  if (a.points !== b.points) return a.points > 0 || b.points > 0 ? b.points - a.points : a.points - b.points;
  return a.selector < b.selector ? -1 : a.selector > b.selector ? 1 : 0;
}

function objectName(o) {
  if (!o || typeof o !== 'object' || o.kind === undefined || o.kind === null) return 'Unknown';
  return `${goFmt(o.kind)}/${o.metadata?.name ?? 'undefined'}.${o.metadata?.namespace ?? 'default'}`;
}

function report(fileName, o) {
  const r = { object: objectName(o), valid: true, fileName, message: '', score: 0, scoring: { critical: [], passed: [], advise: [] } };
  let applied = 0;
  for (const rule of RULES) {
    if (!(rule.kinds ?? ALL).includes(String(o?.kind))) continue;
    applied++;
    const n = rule.eval(o);
    const ref = { id: rule.id, selector: rule.selector, reason: rule.reason, points: rule.points };
    if (n > 0) {
      r.score += rule.points;
      (rule.points >= 0 ? r.scoring.passed : r.scoring.critical).push(ref);
    } else if (rule.points >= 0) r.scoring.advise.push(ref);
  }
  r.message = applied < 1 ? 'This resource kind is not supported by kubesec' : r.score >= 0 ? `Passed with a score of ${r.score} points` : `Failed with a score of ${r.score} points`;
  const scoring = {};
  for (const k of ['critical', 'passed', 'advise']) if (r.scoring[k].length > 0) scoring[k] = r.scoring[k].sort(order);
  // Report's field order and omitempty (message); scoring's lists are omitempty too.
  return { object: r.object, valid: r.valid, fileName: r.fileName, ...(r.message ? { message: r.message } : {}), score: r.score, scoring };
}

/** Go's json.Marshal escapes <, > and & in strings; json.Indent keeps them escaped. */
const goJson = (v) => JSON.stringify(v, null, 2).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

function scan(argv) {
  let exitCode = 2;
  let output = '';
  let absolute = false;
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i] ?? die(`Error: flag needs an argument: ${flag}`));
    if (flag === '--exit-code') exitCode = Number(value());
    else if (flag === '-o' || flag === '--output') output = value();
    else if (flag === '--absolute-path') absolute = true;
    else if (flag === '-f' || flag === '--format') { const f = value(); if (f !== 'json') die(`fake kubesec: --format ${f} is not simulated`, 2); }
    else if (flag === '--kubernetes-version' || flag === '--schema-location') value(); // schema validation is not simulated (see above)
    else if (a === '-' || !a.startsWith('-')) args.push(a);
    else die(`Error: unknown flag: ${flag}`);
  }
  if (args.length < 1) die('Error: file path is required');
  let fileName;
  let text;
  if (args.length === 1 && (args[0] === '-' || args[0] === '/dev/stdin')) {
    fileName = 'STDIN';
    text = fs.readFileSync(0, 'utf8');
  } else {
    const abs = path.resolve(args[0]);
    fileName = absolute ? abs : args[0];
    try { text = fs.readFileSync(abs, 'utf8'); } catch (e) { die(e.code === 'ENOENT' ? `open ${abs}: no such file or directory` : e.code === 'EISDIR' ? `read ${abs}: is a directory` : String(e.message)); }
  }
  const reports = [];
  let parsedJson;
  try { parsedJson = JSON.parse(text); } catch { parsedJson = undefined; }
  if (parsedJson !== undefined) reports.push(report(fileName, parsedJson));
  else {
    const bits = text.split('\n---\n');
    for (let i = 0; i < bits.length; i++) {
      const doc = bits[i].trim();
      if (doc.length === 0 || doc === '---') {
        if (i === bits.length - 1 && reports.length === 0) die('Invalid input');
        continue;
      }
      let obj;
      try { obj = YAML.parse(doc); } catch (e) { die(`error converting YAML to JSON: yaml: ${String(e.message).split('\n')[0]}`); }
      reports.push(report(fileName, obj));
    }
  }
  if (reports.length === 0) die(`invalid input ${fileName}`);
  const out = goJson(reports);
  if (output) fs.writeFileSync(output, out, { mode: 0o644 });
  process.stdout.write(`${out}\n`);
  process.exit(reports.some((r) => r.score <= 0) ? exitCode : 0);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'version') process.stdout.write(`version ${VERSION}\ngit commit ${COMMIT}\nbuild date ${DATE}\n`);
else if (cmd === 'scan') scan(rest);
else if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') process.stdout.write('Validate Kubernetes resource security policies\n\nUsage:\n  kubesec [command]\n\nAvailable Commands:\n  help        Help about any command\n  http        Starts kubesec HTTP server on the specified port\n  print-rules Print the rules\n  scan        Scans Kubernetes resource YAML or JSON\n  version     Prints the version of kubesec\n');
else die(`fake kubesec: kubesec ${cmd} is not simulated`, 2);
