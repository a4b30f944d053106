'use strict';
// Fake `kubeadm` for fake kind nodes: /usr/bin/kubeadm as kind installs it (v1.34.0, kube-tools.mjs)
// and as the staged kubeadm .deb of the `upgrade` lab installs it (v1.35.0, kube-packages.mjs),
// with __KUBEADM_VERSION__ replaced. Covers what an upgrade needs — `version [-o short|json|yaml]`,
// `config images list`, `upgrade plan`, `upgrade apply <version> [-y] [--force]`, `upgrade node` —
// with kubeadm's own output lines, version policy (never past kubeadm's own version, one minor at a
// time), preflight image check against the node's containerd image store (offline: a missing image
// is an ImagePull error), the static pod manifests rewritten to the new image tags (the fake kubelet
// restarts the pods from them), and the kubeadm-config ConfigMap, kube-proxy DaemonSet and CoreDNS
// Deployment updated through the API. Simplified: the manifests keep every other field as they are
// (real kubeadm regenerates them from the ClusterConfiguration), certificates are not renewed.
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const http = require('node:http');

const VERSION = '__KUBEADM_VERSION__';
const BUILD = {
  'v1.34.0': { commit: 'f28b4c9efbca5c5c0af716d9f2d5702667ee8a45', date: '2025-08-27T10:15:59Z', go: 'go1.24.6' },
  'v1.35.0': { commit: '66452049f3d692768c39c797b21b793dce80314e', date: '2025-12-17T12:32:06Z', go: 'go1.25.5' },
};
/** etcd, CoreDNS and pause tags kubeadm pins per minor (cmd/kubeadm/app/constants). */
const ADDONS = { 34: { etcd: '3.6.4-0', coredns: 'v1.12.1', pause: '3.10.1' }, 35: { etcd: '3.6.6-0', coredns: 'v1.13.1', pause: '3.10.1' } };
const MANIFESTS = '/etc/kubernetes/manifests';
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
/** Where the fake containerd keeps its image list (ctr.cjs writes it; kind's preloaded images at start). */
const IMAGE_STORE = '/var/lib/containerd/cks-fake-images.json';

const out = (s) => process.stdout.write(`${s}\n`);
function fail(msg, code = 1) {
  process.stderr.write(`${msg}\nTo see the stack trace of this error execute with --v=5 or higher\n`);
  process.exit(code);
}

/** "v1.35.0" → [1, 35, 0], or null. */
function parseVersion(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(v ?? ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}
function cmp(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
const minorOf = (v) => parseVersion(v)?.[1] ?? 0;
const addonsFor = (v) => ADDONS[minorOf(v)] ?? ADDONS[35];

function versionInfo() {
  const [major, minor] = parseVersion(VERSION) ?? [1, 0, 0];
  const b = BUILD[VERSION] ?? BUILD['v1.34.0'];
  return { major: String(major), minor: String(minor), emulationMajor: '', emulationMinor: '', minCompatibilityMajor: '', minCompatibilityMinor: '', gitVersion: VERSION, gitCommit: b.commit, gitTreeState: 'clean', buildDate: b.date, goVersion: b.go, compiler: 'gc', platform: 'linux/amd64' };
}

function cmdVersion(args) {
  let o = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-o' || a === '--output') o = args[++i] ?? '';
    else if (a.startsWith('--output=') || a.startsWith('-o=')) o = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('-o')) o = a.slice(2);
    else fail(`unknown flag: ${a}`);
  }
  const v = versionInfo();
  if (o === 'short') return out(VERSION);
  if (o === 'json') return out(JSON.stringify({ clientVersion: v }, null, 2));
  if (o === 'yaml') return out(['clientVersion:', ...Object.entries(v).map(([k, x]) => `  ${k}: ${x === '' ? '""' : /^\d/.test(x) ? `"${x}"` : x}`)].join('\n'));
  if (o !== '') fail(`error: invalid output format: ${o}`);
  const go = `&version.Info{Major:"${v.major}", Minor:"${v.minor}", EmulationMajor:"", EmulationMinor:"", MinCompatibilityMajor:"", MinCompatibilityMinor:"", GitVersion:"${v.gitVersion}", GitCommit:"${v.gitCommit}", GitTreeState:"clean", BuildDate:"${v.buildDate}", GoVersion:"${v.goVersion}", Compiler:"gc", Platform:"linux/amd64"}`;
  out(`kubeadm version: ${go}`);
}

/** The images kubeadm needs for `version` (kubeadm config images list). */
function imagesFor(version) {
  const a = addonsFor(version);
  return [
    `registry.k8s.io/kube-apiserver:${version}`,
    `registry.k8s.io/kube-controller-manager:${version}`,
    `registry.k8s.io/kube-scheduler:${version}`,
    `registry.k8s.io/kube-proxy:${version}`,
    `registry.k8s.io/coredns/coredns:${a.coredns}`,
    `registry.k8s.io/pause:${a.pause}`,
    `registry.k8s.io/etcd:${a.etcd}`,
  ];
}

function cmdConfigImages(args) {
  if (args[0] !== 'images' || args[1] !== 'list') fail(`fake kubeadm: "kubeadm config ${args.join(' ')}" is not simulated`);
  let version = VERSION;
  for (let i = 2; i < args.length; i++) {
    const a = args[i];
    if (a === '--kubernetes-version') version = args[++i] ?? '';
    else if (a.startsWith('--kubernetes-version=')) version = a.slice('--kubernetes-version='.length);
    else fail(`unknown flag: ${a}`);
  }
  if (!parseVersion(version)) fail(`could not parse Kubernetes version "${version}"`);
  out(imagesFor(`v${parseVersion(version).join('.')}`).join('\n'));
}

// --- the API, through the node's kubeconfig (admin.conf on a control plane, kubelet.conf on a worker)

function readKubeconfig(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8').slice(0, 200_000);
  } catch (e) {
    return { error: `failed to load admin kubeconfig: open ${file}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}` };
  }
  const server = /^\s*server:\s*["']?([^"'\s]+)/m.exec(text)?.[1];
  const ca = /^\s*certificate-authority-data:\s*["']?([A-Za-z0-9+/=]+)/m.exec(text)?.[1];
  const token = /^\s*token:\s*["']?([^"'\s]+)/m.exec(text)?.[1];
  if (!server) return { error: `invalid configuration: no server found for cluster in ${file}` };
  return { server, ca: ca ? Buffer.from(ca, 'base64').toString() : undefined, token };
}

function api(kc, method, urlPath, body, contentType = 'application/json') {
  return new Promise((resolve) => {
    const url = new URL(urlPath, kc.server);
    const mod = url.protocol === 'https:' ? https : http;
    const headers = { Accept: 'application/json', ...(kc.token ? { Authorization: `Bearer ${kc.token}` } : {}), ...(body ? { 'Content-Type': contentType } : {}) };
    const req = mod.request(url, { method, headers, ...(kc.ca ? { ca: kc.ca } : { rejectUnauthorized: false }), timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString() || 'null');
        } catch {
          json = null;
        }
        resolve({ code: res.statusCode ?? 0, body: json });
      });
    });
    req.on('error', (e) => resolve({ code: 0, error: e.code === 'ECONNREFUSED' ? `dial tcp ${url.host}: connect: connection refused` : e.message }));
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    if (body) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The ClusterConfiguration kubeadm stored at init (kube-system/kubeadm-config). */
async function clusterConfig(kc) {
  const r = await api(kc, 'GET', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config');
  if (r.code === 404) fail('[upgrade/config] FATAL: unable to fetch the kubeadm-config ConfigMap: configmaps "kubeadm-config" not found');
  if (r.code !== 200) fail(`[upgrade/config] FATAL: unable to fetch the kubeadm-config ConfigMap: ${r.error ?? r.body?.message ?? `HTTP ${r.code}`}`);
  const text = String(r.body?.data?.ClusterConfiguration ?? '');
  const version = /^kubernetesVersion:\s*(\S+)/m.exec(text)?.[1] ?? '';
  if (!parseVersion(version)) fail(`[upgrade/config] FATAL: the kubeadm-config ConfigMap has no valid kubernetesVersion (${JSON.stringify(version)})`);
  return { cm: r.body, text, version };
}

function imageStore() {
  try {
    const list = JSON.parse(fs.readFileSync(IMAGE_STORE, 'utf8'));
    return new Set(Array.isArray(list) ? list.map(String) : []);
  } catch {
    return new Set();
  }
}

function readManifest(name) {
  try {
    return fs.readFileSync(path.join(MANIFESTS, `${name}.yaml`), 'utf8');
  } catch {
    return null;
  }
}

const isControlPlane = () => fs.existsSync(path.join(MANIFESTS, 'kube-apiserver.yaml'));

/** Flags common to the upgrade commands. */
function upgradeFlags(args) {
  const f = { yes: false, force: false, dryRun: false, ignore: [], positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-y' || a === '--yes' || a === '--yes=true') f.yes = true;
    else if (a === '-f' || a === '--force' || a === '--force=true') f.force = true;
    else if (a === '--dry-run') f.dryRun = true;
    else if (a.startsWith('--ignore-preflight-errors')) f.ignore.push(...(a.includes('=') ? a.split('=')[1] : args[++i] ?? '').split(',').map((s) => s.toLowerCase()));
    else if (a.startsWith('--certificate-renewal') || a.startsWith('--etcd-upgrade') || a.startsWith('--v=') || a.startsWith('--allow-')) continue;
    else if (a.startsWith('-')) fail(`unknown flag: ${a.split('=')[0]}`);
    else f.positional.push(a);
  }
  if (f.dryRun) fail('fake kubeadm: --dry-run is not simulated');
  return f;
}

function pad(rows) {
  const w = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i] + 3))).join('').trimEnd()).join('\n');
}

function currentImageTag(name) {
  const m = /^\s*image:\s*["']?\S+?:([^"'\s@]+)/m.exec(readManifest(name) ?? '');
  return m ? m[1] : '';
}

async function nodes(kc) {
  const r = await api(kc, 'GET', '/api/v1/nodes');
  return (r.body?.items ?? []).map((n) => ({ name: n.metadata?.name ?? '', kubelet: n.status?.nodeInfo?.kubeletVersion ?? '' }));
}

async function cmdPlan(args) {
  upgradeFlags(args);
  const kc = readKubeconfig('/etc/kubernetes/admin.conf');
  if (kc.error) fail(`[upgrade/config] FATAL: couldn't create a Kubernetes client from file "/etc/kubernetes/admin.conf": ${kc.error}`);
  out('[preflight] Running pre-flight checks.');
  out('[upgrade/config] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...');
  out("[upgrade/config] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.");
  const { version: cluster } = await clusterConfig(kc);
  out('[upgrade] Running cluster health checks');
  out('[upgrade] Fetching available versions to upgrade to');
  out(`[upgrade/versions] Cluster version: ${cluster.replace(/^v/, '')}`);
  out(`[upgrade/versions] kubeadm version: ${VERSION}`);
  // Offline: dl.k8s.io is not reachable, kubeadm falls back to its own version.
  const t = new Date().toISOString();
  process.stderr.write(`W${t.slice(5, 7)}${t.slice(8, 10)} ${t.slice(11, 23)}000 ${String(process.pid).padStart(7)} version.go:109] could not fetch a Kubernetes version from the internet: unable to get URL "https://dl.k8s.io/release/stable-1.txt": Get "https://dl.k8s.io/release/stable-1.txt": dial tcp: lookup dl.k8s.io on 172.18.0.1:53: no such host\n`);
  process.stderr.write(`W${t.slice(5, 7)}${t.slice(8, 10)} ${t.slice(11, 23)}000 ${String(process.pid).padStart(7)} version.go:110] falling back to the local client version: ${VERSION}\n`);
  out(`[upgrade/versions] Target version: ${VERSION}`);
  out(`[upgrade/versions] Latest version in the v1.${minorOf(cluster)} series: ${cluster}`);
  out('');
  if (cmp(parseVersion(VERSION), parseVersion(cluster)) <= 0) {
    out("Awesome, you're up-to-date! Enjoy!");
    return;
  }
  const ns = await nodes(kc);
  const cp = os.hostname();
  const now = addonsFor(cluster);
  const next = addonsFor(VERSION);
  out("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':");
  out(pad([['COMPONENT', 'NODE', 'CURRENT', 'TARGET'], ...ns.map((n) => ['kubelet', n.name, n.kubelet, VERSION])]));
  out('');
  out('Upgrade to the latest stable version:');
  out('');
  out(pad([
    ['COMPONENT', 'NODE', 'CURRENT', 'TARGET'],
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((c) => [c, cp, currentImageTag(c) || cluster, VERSION]),
    ['kube-proxy', '', cluster.replace(/^v/, ''), VERSION],
    ['CoreDNS', '', now.coredns, next.coredns],
    ['etcd', cp, currentImageTag('etcd') || now.etcd, next.etcd],
  ]));
  out('');
  out('You can now apply the upgrade by executing the following command:');
  out('');
  out(`\tkubeadm upgrade apply ${VERSION}`);
  out('');
  out('_____________________________________________________________________');
  out('');
}

/** kubeadm's EnforceVersionPolicies: the errors that stop `upgrade apply` unless --force. */
function versionPolicy(target, cluster) {
  const t = parseVersion(target);
  const k = parseVersion(VERSION);
  const c = parseVersion(cluster);
  const errors = [];
  if (cmp(t, k) > 0) errors.push(`Specified version to upgrade to "${target}" is higher than the kubeadm version "${VERSION}". Upgrade kubeadm first using the tool you used to install kubeadm`);
  if (t[1] > c[1] + 1) errors.push(`Specified version to upgrade to "${target}" is too high; kubeadm can upgrade only 1 minor version at a time`);
  if (t[1] < c[1]) errors.push(`Specified version to downgrade to "${target}" is too low; kubeadm can downgrade only patch versions (you have "${cluster}")`);
  if (t[1] < k[1] - 1) errors.push(`Specified version to upgrade to "${target}" is too low; kubeadm can only be used to deploy or upgrade to versions up to one minor version older than itself`);
  return errors;
}

function askToProceed() {
  process.stdout.write('[upgrade] Are you sure you want to proceed? [y/N]: ');
  let answer = '';
  try {
    const buf = Buffer.alloc(64);
    const n = fs.readSync(0, buf, 0, 64, null);
    answer = buf.subarray(0, n).toString().split('\n')[0].trim();
  } catch {
    answer = '';
  }
  if (!/^[yY]$/.test(answer)) fail("won't proceed; the user didn't answer (Y|y) in order to continue");
}

function timestamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** The manifest with its container image's tag set to `tag` (only the image line changes). */
function retag(text, tag) {
  return text.replace(/^(\s*image:\s*["']?)([^"'\s@]+?):[^"'\s@]+/m, (_, lead, repo) => `${lead}${repo}:${tag}`);
}

async function waitForApiVersion(kc, version, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = await api(kc, 'GET', '/version');
    if (r.code === 200 && r.body?.gitVersion === version) return true;
    await sleep(250);
  }
  return false;
}

async function upgradeStaticPods(kc, target) {
  const next = addonsFor(target);
  const tags = { etcd: next.etcd, 'kube-apiserver': target, 'kube-controller-manager': target, 'kube-scheduler': target };
  const rand = String(Math.floor(Math.random() * 4e9));
  const backup = `/etc/kubernetes/tmp/kubeadm-backup-manifests-${timestamp()}`;
  const upgraded = `/etc/kubernetes/tmp/kubeadm-upgraded-manifests${rand}`;
  fs.mkdirSync(backup, { recursive: true });
  fs.mkdirSync(upgraded, { recursive: true });
  out(`[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version "${target}" (timeout: 5m0s)...`);
  out(`[upgrade/staticpods] Writing new Static Pod manifests to "${upgraded}"`);
  for (const name of COMPONENTS) {
    const text = readManifest(name);
    if (text === null) fail(`[upgrade/staticpods] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: failed to read static pod manifest "${MANIFESTS}/${name}.yaml": open ${MANIFESTS}/${name}.yaml: no such file or directory`);
    out(`[upgrade/staticpods] Preparing for "${name}" upgrade`);
    const next = retag(text, tags[name]);
    if (next === text) {
      out(`[upgrade/staticpods] Current and new manifests of ${name} are equal, skipping upgrade`);
      continue;
    }
    fs.writeFileSync(path.join(upgraded, `${name}.yaml`), next, { mode: 0o600 });
    fs.writeFileSync(path.join(backup, `${name}.yaml`), text, { mode: 0o600 });
    out(`[upgrade/staticpods] Moving new manifest to "${MANIFESTS}/${name}.yaml" and backing up old manifest to "${backup}/${name}.yaml"`);
    fs.writeFileSync(path.join(MANIFESTS, `${name}.yaml`), next, { mode: 0o600 });
    out('[upgrade/staticpods] Waiting for the kubelet to restart the component');
    out('[upgrade/staticpods] This can take up to 5m0s');
    if (name === 'kube-apiserver' && !(await waitForApiVersion(kc, target, 60_000))) {
      fail(`[upgrade/apply] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: timed out waiting for the condition`);
    }
    if (name !== 'kube-apiserver') await sleep(200);
    out(`[apiclient] Found 1 Pods for label selector component=${name}`);
    out(`[upgrade/staticpods] Component "${name}" upgraded successfully!`);
    if (name === 'etcd') out('[upgrade/etcd] Waiting for etcd to become available');
  }
  out('[upgrade/control-plane] The control plane instance for this node was successfully upgraded!');
}

async function patch(kc, urlPath, body) {
  const r = await api(kc, 'PATCH', urlPath, body, 'application/strategic-merge-patch+json');
  if (r.code !== 200 && r.code !== 404) fail(`[upgrade/addons] FATAL: ${r.error ?? r.body?.message ?? `HTTP ${r.code}`}`);
  return r.code === 200;
}

async function cmdApply(args) {
  const f = upgradeFlags(args);
  const kc = readKubeconfig('/etc/kubernetes/admin.conf');
  if (kc.error) fail(`[upgrade/config] FATAL: couldn't create a Kubernetes client from file "/etc/kubernetes/admin.conf": ${kc.error}`);
  out('[upgrade] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...');
  out("[upgrade] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.");
  const { cm, text, version: cluster } = await clusterConfig(kc);
  if (f.positional.length === 0) fail('[upgrade/version] FATAL: missing one or more required arguments. Required arguments: [version]');
  const target = f.positional[0];
  if (!parseVersion(target)) fail(`[upgrade/version] FATAL: couldn't parse version "${target}": could not parse "${target}" as version`);
  const targetV = `v${parseVersion(target).join('.')}`;
  out('[upgrade/preflight] Running preflight checks');
  out('[upgrade] Running cluster health checks');
  out(`[upgrade/preflight] You have chosen to upgrade the cluster version to "${targetV}"`);
  out(`[upgrade/versions] Cluster version: ${cluster}`);
  out(`[upgrade/versions] kubeadm version: ${VERSION}`);
  const errors = versionPolicy(targetV, cluster);
  if (errors.length > 0 && !f.force) {
    fail(`[upgrade/version] FATAL: the version argument is invalid due to these errors:\n\n${errors.map((e) => `\t- ${e}\n`).join('')}\nCan be bypassed if you pass the --force flag`);
  }
  if (errors.length > 0 && cmp(parseVersion(targetV), parseVersion(VERSION)) > 0) {
    // --force cannot make an old kubeadm write manifests for a version it does not know.
    fail(`[upgrade/version] FATAL: fake kubeadm ${VERSION} cannot write manifests for ${targetV}`);
  }
  if (!f.yes) askToProceed();
  out('[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster');
  out('[upgrade/preflight] This might take a minute or two, depending on the speed of your internet connection');
  out("[upgrade/preflight] You can also perform this action beforehand using 'kubeadm config images pull'");
  const have = imageStore();
  const missing = imagesFor(targetV).filter((i) => !have.has(i));
  if (missing.length > 0 && !f.ignore.includes('all') && !f.ignore.includes('imagepull')) {
    const lines = missing.map((i) => {
      const [repo, tag] = [i.slice(0, i.lastIndexOf(':')), i.slice(i.lastIndexOf(':') + 1)];
      return `\t[ERROR ImagePull]: failed to pull image ${i}: failed to pull image ${i}: rpc error: code = Unknown desc = failed to pull and unpack image "${i}": failed to resolve reference "${i}": failed to do request: Head "https://registry.k8s.io/v2/${repo.replace('registry.k8s.io/', '')}/manifests/${tag}": dial tcp: lookup registry.k8s.io on 172.18.0.1:53: no such host`;
    });
    fail(`[upgrade/preflight] FATAL: [preflight] Some fatal errors occurred:\n${lines.join('\n')}\n[preflight] If you know what you are doing, you can make a check non-fatal with \`--ignore-preflight-errors=...\``);
  }
  await upgradeStaticPods(kc, targetV);
  out('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace');
  cm.data.ClusterConfiguration = text.replace(/^kubernetesVersion:.*$/m, `kubernetesVersion: ${targetV}`);
  const put = await api(kc, 'PUT', '/api/v1/namespaces/kube-system/configmaps/kubeadm-config', cm);
  if (put.code !== 200) fail(`[upload-config] FATAL: error uploading the kubeadm ClusterConfiguration: ${put.error ?? put.body?.message ?? `HTTP ${put.code}`}`);
  out('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster');
  out('[upgrade/kubeconfig] The kubeconfig files for this node were successfully upgraded!');
  out('[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!');
  out('[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules');
  out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes');
  out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials');
  out('[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token');
  out('[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster');
  const next = addonsFor(targetV);
  await patch(kc, '/apis/apps/v1/namespaces/kube-system/deployments/coredns', { spec: { template: { spec: { containers: [{ name: 'coredns', image: `registry.k8s.io/coredns/coredns:${next.coredns}` }] } } } });
  out('[addons] Applied essential addon: CoreDNS');
  await patch(kc, '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy', { spec: { template: { spec: { containers: [{ name: 'kube-proxy', image: `registry.k8s.io/kube-proxy:${targetV}` }] } } } });
  out('[addons] Applied essential addon: kube-proxy');
  out('');
  out(`[upgrade] SUCCESS! A control plane node of your cluster was upgraded to "${targetV}".`);
  out('');
  out('[upgrade] Now please proceed with upgrading the rest of the nodes by following the right order.');
}

async function cmdNode(args) {
  upgradeFlags(args);
  const cp = isControlPlane();
  const file = cp ? '/etc/kubernetes/admin.conf' : '/etc/kubernetes/kubelet.conf';
  const kc = readKubeconfig(file);
  if (kc.error) fail(`couldn't create a Kubernetes client from file "${file}": ${kc.error}`);
  out('[upgrade] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...');
  out("[upgrade] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to re-upload it.");
  const { version: cluster } = await clusterConfig(kc);
  out('[upgrade/preflight] Running pre-flight checks');
  if (cmp(parseVersion(cluster), parseVersion(VERSION)) > 0) {
    fail(`[upgrade/preflight] FATAL: the cluster version "${cluster}" is newer than this kubeadm "${VERSION}": upgrade kubeadm first using the tool you used to install kubeadm`);
  }
  if (cp) {
    await upgradeStaticPods(kc, cluster);
  } else {
    out('[upgrade/preflight] Skipping prepull. Not a control plane node.');
    out('[upgrade/control-plane] Skipping phase. Not a control plane node.');
    out('[upgrade/kubeconfig] Skipping phase. Not a control plane node.');
  }
  const dir = `/etc/kubernetes/tmp/kubeadm-kubelet-config-${timestamp()}`;
  fs.mkdirSync(dir, { recursive: true });
  const config = '/var/lib/kubelet/config.yaml';
  if (fs.existsSync(config)) {
    out(`[upgrade] Backing up kubelet config file to ${dir}/config.yaml`);
    fs.copyFileSync(config, path.join(dir, 'config.yaml'));
  }
  out(`[kubelet-start] Writing kubelet configuration to file "${config}"`);
  out('[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!');
  if (!cp) {
    out('[upgrade/addon] Skipping the addon/coredns phase. Not a control plane node.');
    out('[upgrade/addon] Skipping the addon/kube-proxy phase. Not a control plane node.');
  }
  out('[upgrade] The configuration for this node was successfully upgraded!');
  out('[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.');
}

async function main(argv) {
  const [cmd, sub, ...rest] = argv;
  if (cmd === 'version') return cmdVersion(argv.slice(1));
  if (cmd === 'config') return cmdConfigImages(argv.slice(1));
  if (cmd === 'upgrade' && sub === 'plan') return cmdPlan(rest);
  if (cmd === 'upgrade' && sub === 'apply') return cmdApply(rest);
  if (cmd === 'upgrade' && sub === 'node') return cmdNode(rest);
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out('Usage:\n  kubeadm [command]\n\nAvailable Commands:\n  config      Manage configuration for a kubeadm cluster persisted in a ConfigMap in the cluster\n  upgrade     Upgrade your cluster smoothly to a newer version with this command\n  version     Print the version of kubeadm');
    return;
  }
  fail(`fake kubeadm: "kubeadm ${argv.join(' ')}" is not simulated`);
}

main(process.argv.slice(2)).catch((e) => fail(String(e?.message ?? e)));
