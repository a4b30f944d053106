'use strict';
// Fake `kube-linter` 0.8.3 for fake kind nodes whose image says LABEL io.cks-lab.tools="…kube-linter…"
// (copied to the node's /usr/local/bin/kube-linter by node-image.mjs). Follows the real tool
// (github.com/stackrox/kube-linter v0.8.3): `kube-linter lint FILE|DIR|- [--format plain|json]
// [--config FILE] [--include C] [--exclude C] [--add-all-built-in=false] [--do-not-auto-add-defaults]`
// and `kube-linter version`. The default checks are internal/defaultchecks' list; each is
// evaluated as its template does (pkg/templates/*), with the same messages and remediations, in
// the same order (checks sorted by name, per object in file order); the ignore annotations
// (`ignore-check.kube-linter.io/<check>`, `kube-linter.io/ignore-all` on the object's metadata)
// and `.kube-linter.yaml` in the working directory are honoured as the real tool does. Plain
// output ("KubeLinter 0.8.3", one line per diagnostic, "No lint errors found!") and exit codes
// (0 clean, 1 "Error: found N lint errors" on stderr). JSON output: Checks/Reports/Summary, the
// Reports as the real ones; each Checks entry carries only name and remediation (the real one also
// has description, scope, template and params).
// Not simulated (exit 2, "fake kube-linter: … is not simulated"): Helm charts, kustomize dirs,
// SARIF, custom checks, --add-all-built-in, non-default checks, probe and named-port checks on
// objects that have probes or named ports, kinds other than the workloads below and
// ServiceAccount/ConfigMap/Secret. The YAML is parsed with the `yaml` package (the node's
// filesystem is the host's, see node-image.mjs); kube-linter's own decoder is Kubernetes'.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
// eslint-disable-next-line no-undef
const YAML = require(typeof CKS_FAKE_YAML_MODULE === 'string' ? CKS_FAKE_YAML_MODULE : 'yaml');

const VERSION = '0.8.3';
const die = (msg, code = 2) => {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
};
const notSimulated = (what) => die(`fake kube-linter: ${what} is not simulated`);

const DEPLOYMENT_LIKE = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Pod', 'Job', 'CronJob']);
const PASSIVE_KINDS = new Set(['ServiceAccount', 'ConfigMap', 'Secret', 'Namespace']);

/** The pod spec of a DeploymentLike (pkg/extract), or undefined. */
function podSpecOf(obj) {
  if (!DEPLOYMENT_LIKE.has(obj.kind)) return undefined;
  if (obj.kind === 'Pod') return obj.spec ?? {};
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec ?? {};
  return obj.spec?.template?.spec ?? {};
}
const allContainers = (spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
const perContainer = (fn) => (obj) => {
  const spec = podSpecOf(obj);
  return spec ? allContainers(spec).flatMap((c) => fn(c ?? {})) : [];
};
const podCheck = (fn) => (obj, ctx) => {
  const spec = podSpecOf(obj);
  return spec ? fn(spec, obj, ctx) : [];
};
const q = (s) => JSON.stringify(String(s)); // Go's %q for plain strings
const goList = (list) => `[${(list ?? []).map((x) => q(x)).join(' ')}]`; // %q of a []string

/** Kubernetes quantity → number (cpu in millis when `milli`), enough for "is it zero". */
function quantity(v, milli) {
  if (v === undefined || v === null) return 0;
  const m = /^([+-]?\d*\.?\d+(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(v).trim());
  if (!m) return NaN;
  const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * mult * (milli ? 1000 : 1);
}
const hostMounts = (dirs) => podCheck((spec) => {
  const res = dirs.map((d) => new RegExp(d));
  const out = [];
  for (const v of spec.volumes ?? []) {
    const p = v?.hostPath?.path;
    if (typeof p !== 'string' || !res.some((r) => r.test(p))) continue;
    for (const c of allContainers(spec)) {
      if ((c?.volumeMounts ?? []).some((m) => m?.name === v.name)) out.push(`host system directory ${q(p)} is mounted on container ${q(c.name)}`);
    }
  }
  return out;
});
const effective = (spec, c, key) => (c.securityContext?.[key] !== undefined && c.securityContext?.[key] !== null ? c.securityContext[key] : spec.securityContext?.[key]);

/** The default checks of kube-linter 0.8.3: name → {remediation, run(obj, ctx) → messages}. */
const CHECKS = {
  'dangling-service': { kinds: ['Service'] },
  'deprecated-service-account-field': {
    remediation: 'Use the serviceAccountName field instead. If you must specify serviceAccount, ensure values for serviceAccount and serviceAccountName match.',
    run: podCheck((spec) => {
      const sa = spec.serviceAccount ?? '';
      const san = spec.serviceAccountName ?? '';
      if (sa === '' || sa === san) return [];
      if (san === '') return [`serviceAccount is specified (${sa}), but this field is deprecated; use serviceAccountName instead`];
      return [`serviceAccount (${sa}) and serviceAccountName (${san}) are both specified with non-matching values. serviceAccount is deprecated; unspecify serviceAccount or make values match.`];
    }),
  },
  'docker-sock': {
    remediation: 'Ensure the Docker socket is not mounted inside any containers by removing the associated  Volume and VolumeMount in deployment yaml specification. If the Docker socket is mounted inside a container it could allow processes running within  the container to execute Docker commands which would effectively allow for full control of the host.',
    run: hostMounts(['docker.sock$']),
  },
  'drop-net-raw-capability': {
    remediation: 'NET_RAW makes it so that an application within the container is able to craft raw packets, use raw sockets, and bind to any address. Remove this capability in the containers under containers security contexts.',
    run: perContainer((c) => {
      const caps = c.securityContext?.capabilities;
      if (!caps) return [];
      const out = [];
      const isAll = (x) => String(x).toLowerCase() === 'all';
      const isNetRaw = (x) => String(x).toUpperCase() === 'NET_RAW';
      for (const a of caps.add ?? []) if (isNetRaw(a)) out.push(`container ${q(c.name)} has ADD capability: ${q(a)}, which matched with the forbidden capability for containers`);
      if (!(caps.drop ?? []).some((d) => isNetRaw(d) || isAll(d))) out.push(`container ${q(c.name)} has DROP capabilities: ${goList(caps.drop)}, but does not drop capability "NET_RAW" which is required`);
      return out;
    }),
  },
  'duplicate-env-var': {
    remediation: "Confirm that your DeploymentLike doesn't have duplicate env vars names.",
    run: perContainer((c) => {
      const seen = new Set();
      const out = [];
      for (const e of c.env ?? []) {
        if (seen.has(e?.name)) out.push(`Duplicate environment variable ${e.name} in container ${q(c.name)} found`);
        seen.add(e?.name);
      }
      return out;
    }),
  },
  'env-var-secret': {
    remediation: 'Do not use raw secrets in environment variables. Instead, either mount the secret as a file or use a secretKeyRef. Refer to https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets for details.',
    run: perContainer((c) => (c.env ?? []).filter((e) => /secret/i.test(String(e?.name ?? '')) && typeof e?.value === 'string' && e.value !== '').map((e) => `environment variable ${e.name} in container ${q(c.name)} found`)),
  },
  'host-ipc': { remediation: "Ensure the host's IPC namespace is not shared.", run: podCheck((s) => (s.hostIPC === true ? ["resource shares host's IPC namespace (via hostIPC=true)."] : [])) },
  'host-network': { remediation: "Ensure the host's network namespace is not shared.", run: podCheck((s) => (s.hostNetwork === true ? ["resource shares host's network namespace (via hostNetwork=true)."] : [])) },
  'host-pid': { remediation: "Ensure the host's process namespace is not shared.", run: podCheck((s) => (s.hostPID === true ? ["object shares the host's process namespace (via hostPID=true)."] : [])) },
  'invalid-target-ports': { ports: true },
  'job-ttl-seconds-after-finished': { kinds: ['Job', 'CronJob'] },
  'latest-tag': {
    remediation: 'Use a container image with a specific tag other than latest.',
    run: perContainer((c) => {
      const image = String(c.image ?? '');
      const block = ['.*:(latest)$', '^[^:]*$', '(.*/[^:]+)$'];
      if (!block.some((r) => new RegExp(r).test(image))) return [];
      return [`The container ${q(c.name)} is using an invalid container image, ${q(image)}. Please use images that are not blocked by the \`BlockList\` criteria : ${goList(block)}`];
    }),
  },
  'liveness-port': { probes: true },
  'mismatching-selector': {
    remediation: 'Confirm that your deployment selector correctly matches the labels in its pod template.',
    run: (obj) => {
      if (!DEPLOYMENT_LIKE.has(obj.kind) || ['Pod', 'CronJob', 'Job', 'ReplicationController'].includes(obj.kind)) return [];
      const sel = obj.spec?.selector;
      if (!sel) return ['object has no selector specified'];
      if (sel.matchExpressions) notSimulated('mismatching-selector with matchExpressions');
      const labels = obj.spec?.template?.metadata?.labels ?? {};
      const ok = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
      const goMap = (m) => `map[${Object.keys(m).sort().map((k) => `${k}:${m[k]}`).join(' ')}]`;
      return ok ? [] : [`labels in pod spec (${goMap(labels)}) do not match labels in selector (&LabelSelector{MatchLabels:${goMap(sel.matchLabels ?? {})},MatchExpressions:[]LabelSelectorRequirement{},})`];
    },
  },
  'no-anti-affinity': {
    remediation: 'Specify anti-affinity in your pod specification to ensure that the orchestrator attempts to schedule replicas on different nodes. Using podAntiAffinity, specify a labelSelector that matches pods for the deployment, and set the topologyKey to kubernetes.io/hostname. Refer to https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity for details.',
    run: (obj) => {
      if (!['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(obj.kind)) return [];
      const replicas = obj.spec?.replicas ?? 1;
      if (replicas < 2) return [];
      const anti = obj.spec?.template?.spec?.affinity?.podAntiAffinity;
      if (!anti) return [`object has ${replicas} replicas but does not specify inter pod anti-affinity`];
      return notSimulated('no-anti-affinity on an object with podAntiAffinity terms');
    },
  },
  'no-extensions-v1beta': {
    remediation: 'Migrate using the apps/v1 API versions for the objects. Refer to https://kubernetes.io/blog/2019/07/18/api-deprecations-in-1-16/ for details.',
    run: (obj) => (/^extensions\/v1beta.+$/.test(String(obj.apiVersion)) ? [`disallowed API object found: ${gvkString(obj)}`] : []),
    anyKind: true,
  },
  'no-read-only-root-fs': {
    remediation: 'Set readOnlyRootFilesystem to true in the container securityContext.',
    run: perContainer((c) => (c.securityContext?.readOnlyRootFilesystem === true ? [] : [`container ${q(c.name)} does not have a read-only root file system`])),
  },
  'non-existent-service-account': {
    remediation: 'Create the missing service account, or refer to an existing service account.',
    run: podCheck((spec, obj, ctx) => {
      const sa = spec.serviceAccountName ?? '';
      if (sa === '' || sa === 'default') return [];
      const ns = obj.metadata?.namespace ?? '';
      const found = ctx.objects.some((o) => o.obj.kind === 'ServiceAccount' && o.obj.apiVersion === 'v1' && (o.obj.metadata?.namespace ?? '') === ns && o.obj.metadata?.name === sa);
      return found ? [] : [`serviceAccount ${q(sa)} not found`];
    }),
  },
  'pdb-max-unavailable': { kinds: ['PodDisruptionBudget'] },
  'pdb-min-available': { kinds: ['PodDisruptionBudget'] },
  'pdb-unhealthy-pod-eviction-policy': { kinds: ['PodDisruptionBudget'] },
  'privilege-escalation-container': {
    remediation: 'Ensure containers do not allow privilege escalation by setting allowPrivilegeEscalation=false, privileged=false and removing CAP_SYS_ADMIN capability. See https://kubernetes.io/docs/tasks/configure-pod-container/security-context/ for more details.',
    run: perContainer((c) => {
      const sc = c.securityContext;
      if (!sc) return [];
      if (sc.allowPrivilegeEscalation === true) return [`container ${q(c.name)} has AllowPrivilegeEscalation set to true.`];
      if (sc.privileged === true) return [`container ${q(c.name)} is Privileged hence allows privilege escalation.`];
      if ((sc.capabilities?.add ?? []).includes('SYS_ADMIN')) return [`container ${q(c.name)} has SYS_ADMIN capability hence allows privilege escalation.`];
      return [];
    }),
  },
  'privileged-container': {
    remediation: 'Do not run your container as privileged unless it is required.',
    run: perContainer((c) => (c.securityContext?.privileged === true ? [`container ${q(c.name)} is privileged`] : [])),
  },
  'readiness-port': { probes: true },
  'run-as-non-root': {
    remediation: 'Set runAsUser to a non-zero number and runAsNonRoot to true in your pod or container securityContext. Refer to https://kubernetes.io/docs/tasks/configure-pod-container/security-context/ for details.',
    run: podCheck((spec) => {
      const out = [];
      for (const c of allContainers(spec)) {
        const user = effective(spec, c ?? {}, 'runAsUser');
        if (typeof user === 'number' && user > 0) continue;
        if (effective(spec, c ?? {}, 'runAsNonRoot') === true) {
          if (user === 0) out.push(`container ${q(c.name)} is set to runAsNonRoot, but runAsUser set to 0`);
          continue;
        }
        out.push(`container ${q(c.name)} is not set to runAsNonRoot`);
      }
      return out;
    }),
  },
  'sensitive-host-mounts': {
    remediation: 'Ensure sensitive host system directories are not mounted in containers by removing those Volumes and VolumeMounts.',
    run: hostMounts(['^/$', '^/boot$', '^/dev$', '^/etc$', '^/lib$', '^/proc$', '^/sys$', '^/usr$']),
  },
  'ssh-port': {
    remediation: 'Ensure that non-SSH services are not using port 22. Confirm that any actual SSH servers have been vetted.',
    run: perContainer((c) => (c.ports ?? []).filter((p) => p?.containerPort === 22 && (p.protocol ?? 'TCP') === 'TCP').map(() => `port 22 and protocol TCP in container ${q(c.name)} found`)),
  },
  'startup-port': { probes: true },
  'unsafe-sysctls': {
    remediation: 'Ensure container does not allow unsafe allocation of system resources by removing unsafe sysctls configurations. For more details see https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/ https://docs.docker.com/engine/reference/commandline/run/#configure-namespaced-kernel-parameters-sysctls-at-runtime.',
    run: podCheck((spec) => (spec.securityContext?.sysctls ?? []).flatMap((s) => ['kernel.msg', 'kernel.sem', 'kernel.shm', 'fs.mqueue.', 'net.'].filter((u) => String(s?.name).startsWith(u)).map(() => `resource specifies unsafe sysctl ${q(s.name)}.`))),
  },
  'unset-cpu-requirements': {
    remediation: 'Set CPU requests for your container based on its requirements. Refer to https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits for details.',
    run: perContainer((c) => (quantity(c.resources?.requests?.cpu, true) === 0 ? [`container ${q(c.name)} has cpu request 0`] : [])),
  },
  'unset-memory-requirements': {
    remediation: 'Set memory limits for your container based on its requirements. Refer to https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits for details.',
    run: perContainer((c) => (quantity(c.resources?.limits?.memory, false) === 0 ? [`container ${q(c.name)} has memory limit 0`] : [])),
  },
};
const DEFAULTS = Object.keys(CHECKS).sort();

function gvkString(obj) {
  const [group, version] = String(obj.apiVersion ?? '').includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion ?? '')];
  return `${group ? `${group}/` : ''}${version}, Kind=${obj.kind}`;
}

/** argv → options, as cobra/pflag reads `lint`'s flags. */
function parseLint(argv) {
  const o = { paths: [], format: 'plain', include: [], exclude: [], config: '', doNotAutoAddDefaults: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i] ?? die(`Error: flag needs an argument: ${flag}`, 1));
    if (flag === '--format') o.format = value();
    else if (flag === '--config') o.config = value();
    else if (flag === '--include') o.include.push(...value().split(','));
    else if (flag === '--exclude') o.exclude.push(...value().split(','));
    else if (flag === '--do-not-auto-add-defaults') o.doNotAutoAddDefaults = inline === undefined || inline === 'true';
    else if (flag === '--add-all-built-in') { if (inline !== 'false') notSimulated('--add-all-built-in'); }
    else if (flag === '-v' || flag === '--verbose' || flag === '--fail-if-no-objects-found') o[flag.replace(/^-+/, '')] = true;
    else if (a === '-' || !a.startsWith('-')) o.paths.push(a);
    else die(`Error: unknown flag: ${flag}`, 1);
  }
  return o;
}

/** .kube-linter.yaml (or --config): `checks: {include, exclude, doNotAutoAddDefaults, addAllBuiltIn}`. */
function loadConfig(file) {
  let p = file;
  if (!p) p = ['.kube-linter.yaml', '.kube-linter.yml'].find((f) => { try { return fs.statSync(f).isFile(); } catch { return false; } }) ?? '';
  if (!p) return {};
  let text;
  try { text = fs.readFileSync(p, 'utf8'); } catch { return die(`Error: failed to load config: reading file: Config File "${path.basename(p, path.extname(p))}" Not Found in "[${path.resolve(path.dirname(p))}]"`, 1); }
  let doc;
  try { doc = YAML.parse(text) ?? {}; } catch (e) { return die(`Error: failed to load config: reading file: While parsing config: ${String(e.message).split('\n')[0]}`, 1); }
  if (doc.customChecks) notSimulated('customChecks in the config');
  if (doc.checks?.addAllBuiltIn) notSimulated('addAllBuiltIn in the config');
  return doc.checks ?? {};
}

function readObjects(arg) {
  const files = [];
  if (arg === '-') files.push({ name: '<standard input>', text: fs.readFileSync(0, 'utf8') });
  else {
    const abs = path.resolve(arg);
    let st;
    try { st = fs.statSync(abs); } catch { die(`Error: lstat ${abs}: no such file or directory`, 1); }
    if (st.isDirectory()) {
      const walk = (dir) => {
        if (fs.existsSync(path.join(dir, 'Chart.yaml'))) notSimulated('linting a Helm chart');
        if (fs.existsSync(path.join(dir, 'kustomization.yaml')) || fs.existsSync(path.join(dir, 'kustomization.yml'))) notSimulated('linting a kustomize directory');
        for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (/\.ya?ml$/.test(e.name)) files.push({ name: p, text: fs.readFileSync(p, 'utf8') });
        }
      };
      walk(abs);
    } else files.push({ name: abs, text: fs.readFileSync(abs, 'utf8') });
  }
  const objects = [];
  const invalid = [];
  for (const f of files) {
    for (const doc of YAML.parseAllDocuments(f.text)) {
      if (doc.errors.length > 0) { invalid.push({ file: f.name, err: `failed to decode: ${doc.errors[0].message}` }); continue; }
      const obj = doc.toJS();
      if (obj === null || obj === undefined) continue;
      if (typeof obj !== 'object' || !obj.kind || !obj.apiVersion) { invalid.push({ file: f.name, err: 'failed to decode: Object \'Kind\' is missing' }); continue; }
      if (obj.kind === 'List') notSimulated('a List object');
      objects.push({ file: f.name, obj });
    }
  }
  return { objects, invalid };
}

function lint(argv) {
  const o = parseLint(argv);
  if (o.paths.length === 0) die('Error: requires at least 1 arg(s), only received 0', 1);
  if (!['plain', 'json'].includes(o.format)) {
    if (o.format === 'sarif') notSimulated('--format sarif');
    die(`Error: invalid format "${o.format}": allowed values are: json, plain, sarif`, 1);
  }
  const cfg = loadConfig(o.config);
  const enabled = new Set(cfg.doNotAutoAddDefaults || o.doNotAutoAddDefaults ? [] : DEFAULTS);
  for (const c of [...(cfg.include ?? []), ...o.include]) enabled.add(c);
  for (const c of [...(cfg.exclude ?? []), ...o.exclude]) enabled.delete(c);
  for (const c of enabled) if (!CHECKS[c]) notSimulated(`check ${q(c)} (not one of kube-linter's default checks)`);
  if (enabled.size === 0) { process.stderr.write('Warning: no checks enabled.\n'); process.exit(0); }
  const checks = [...enabled].sort();
  // One lint context per directory (or stdin), as lintcontext.CreateContexts groups them.
  const contexts = new Map();
  for (const p of o.paths) {
    const key = p === '-' ? '-' : (() => { try { return fs.statSync(path.resolve(p)).isDirectory() ? path.resolve(p) : path.dirname(path.resolve(p)); } catch { return path.resolve(p); } })();
    const got = readObjects(p);
    const ctx = contexts.get(key) ?? { objects: [], invalid: [] };
    ctx.objects.push(...got.objects);
    ctx.invalid.push(...got.invalid);
    contexts.set(key, ctx);
  }
  if (o.v || o.verbose) for (const ctx of contexts.values()) for (const i of ctx.invalid) process.stderr.write(`Warning: failed to load object from ${i.file}: ${i.err}\n`);
  if (![...contexts.values()].some((c) => c.objects.length > 0)) {
    if (o['fail-if-no-objects-found']) die('Error: no valid objects found', 1);
    process.stderr.write('Warning: no valid objects found.\n');
    process.exit(0);
  }
  const reports = [];
  for (const ctx of contexts.values()) {
    for (const { file, obj } of ctx.objects) {
      if (!DEPLOYMENT_LIKE.has(obj.kind) && !PASSIVE_KINDS.has(obj.kind)) notSimulated(`linting objects of kind ${obj.kind}`);
      for (const name of checks) {
        const check = CHECKS[name];
        if (check.kinds) { if (check.kinds.includes(obj.kind)) notSimulated(`check ${name}`); continue; }
        if (!check.anyKind && !DEPLOYMENT_LIKE.has(obj.kind)) continue;
        const ann = obj.metadata?.annotations ?? {};
        if (Object.keys(ann).some((k) => k === 'kube-linter.io/ignore-all' || k === `ignore-check.kube-linter.io/${name}`)) continue;
        const spec = podSpecOf(obj);
        if (check.probes || check.ports) {
          const cs = spec ? allContainers(spec) : [];
          if (check.probes && cs.some((c) => ['livenessProbe', 'readinessProbe', 'startupProbe'].some((p) => c?.[p]))) notSimulated(`check ${name} on containers with probes`);
          if (check.ports && cs.some((c) => (c?.ports ?? []).some((p) => p?.name))) notSimulated(`check ${name} on named ports`);
          continue;
        }
        for (const message of check.run(obj, ctx)) reports.push({ file, obj, check: name, message, remediation: check.remediation });
      }
    }
  }
  if (o.format === 'json') {
    const out = {
      Checks: checks.map((name) => ({ name, remediation: CHECKS[name].remediation })),
      Reports: reports.map((r) => ({
        Diagnostic: { Message: r.message },
        Check: r.check,
        Remediation: r.remediation,
        Object: { Metadata: { FilePath: r.file }, K8sObject: objectInfo(r.obj) },
      })),
      Summary: { ChecksStatus: reports.length > 0 ? 'Failed' : 'Passed', CheckEndTime: new Date().toISOString(), KubeLinterVersion: VERSION },
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    let text = `KubeLinter ${VERSION}\n\n`;
    for (const r of reports) {
      const info = objectInfo(r.obj);
      text += `${r.file}: (object: ${info.Namespace || '<no namespace>'}/${info.Name} ${gvkString(r.obj)}) ${r.message} (check: ${r.check}, remediation: ${r.remediation})\n\n`;
    }
    if (reports.length === 0) text += 'No lint errors found!\n';
    process.stdout.write(text);
  }
  if (reports.length > 0) die(`Error: found ${reports.length} lint errors`, 1);
}

function objectInfo(obj) {
  const [group, version] = String(obj.apiVersion ?? '').includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion ?? '')];
  return { Namespace: obj.metadata?.namespace ?? '', Name: obj.metadata?.name ?? '', GroupVersionKind: { Group: group, Version: version, Kind: obj.kind } };
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === 'version' || cmd === '--version') process.stdout.write(`${VERSION}\n`);
else if (cmd === 'lint') lint(rest);
else if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') process.stdout.write('Usage:\n  kube-linter [command]\n\nAvailable Commands:\n  checks      View more information on lint checks\n  lint        Lint Kubernetes YAML files and Helm charts\n  templates   View more information on check templates\n  version     Print version and exit\n');
else notSimulated(`kube-linter ${cmd}`);
