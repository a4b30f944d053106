'use strict';
// Fake `trivy` 0.62.1 for fake kind nodes whose image says LABEL io.cks-lab.tools="trivy" (written to
// the node's /usr/local/bin/trivy by trivy-files.mjs). `trivy image [flags] IMAGE` as a learner and
// the `scanners` lab use it: the image is looked up in the image sources trivy tries (docker,
// containerd, podman, remote — or --image-src) the way a kind node answers (no Docker or Podman
// socket; containerd's images in the namespace CONTAINERD_NAMESPACE names, default `default`;
// no registry reachable), or read from a docker-archive with --input. Its OS packages come from
// the fixture (the stand-in for the image's /var/lib/dpkg/status), its vulnerabilities from the
// vulnerability DB in trivy's cache dir (<cache>/db/trivy.db: here JSON with trivy-db's layout,
// advisories by distribution and SOURCE package, details by CVE), matched with dpkg's version
// ordering, so a package whose installed version is at or past the fixed one is not reported.
// Output: trivy's JSON report (SchemaVersion 2), its table (report summary + one table per target),
// SPDX 2.3 (JSON and tag-value) and CycloneDX 1.6; flags --severity, --ignore-unfixed,
// --exit-code, -q, -o, --list-all-pkgs, --skip-db-update, --offline-scan, --scanners; the TRIVY_*
// environment variables of those flags. A DB older than its NextUpdate without --skip-db-update
// fails as trivy fails offline. Anything else exits 1 "fake trivy: … is not simulated".
// CommonJS on purpose: the node has no package.json saying "type": "module".
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');

const VERSION = '0.62.1';
// Where the node's fixed paths are: '' inside a node; a unit test points it at a prepared directory.
const ROOT = process.env.CKS_FAKE_TRIVY_ROOT ?? '';
const FIXTURE = `${ROOT}/usr/local/lib/cks-fake/trivy/images.json`;
const CONTAINERD_IMAGES = `${ROOT}/var/lib/containerd/cks-fake-images.json`;
const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const SOURCES = ['docker', 'containerd', 'podman', 'remote'];

class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const ts = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
let quiet = false;
const log = (level, msg) => {
  if (!quiet) process.stderr.write(`${ts()}\t${level}\t${msg}\n`);
};
function fatal(msg) {
  process.stderr.write(`${ts()}\tFATAL\tFatal error\t${msg}\n`);
  throw new Exit(1);
}
function notSimulated(what) {
  process.stderr.write(`fake trivy: ${what} is not simulated\n`);
  throw new Exit(1);
}

const sha = (s) => crypto.createHash('sha256').update(s).digest('hex');

// ---- dpkg version ordering (Debian Policy 5.6.12: epoch, upstream, revision; ~ sorts first) ----
function parseDebVersion(v) {
  const m = /^(?:(\d+):)?(.+?)(?:-([^-]+))?$/.exec(String(v));
  return m ? { epoch: Number(m[1] ?? 0), upstream: m[2], revision: m[3] ?? '0' } : { epoch: 0, upstream: String(v), revision: '0' };
}
const order = (c) => (c === '~' ? -1 : /\d/.test(c) ? 0 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256);
function comparePart(a, b) {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let diff = 0;
    while ((i < a.length && !/\d/.test(a[i])) || (j < b.length && !/\d/.test(b[j]))) {
      const ac = i < a.length && !/\d/.test(a[i]) ? order(a[i]) : 0;
      const bc = j < b.length && !/\d/.test(b[j]) ? order(b[j]) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    let an = '';
    let bn = '';
    while (i < a.length && /\d/.test(a[i])) an += a[i++];
    while (j < b.length && /\d/.test(b[j])) bn += b[j++];
    diff = Number(an || 0) - Number(bn || 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
function compareDebVersions(x, y) {
  const a = parseDebVersion(x);
  const b = parseDebVersion(y);
  return a.epoch - b.epoch || comparePart(a.upstream, b.upstream) || comparePart(a.revision, b.revision);
}

// ---- flags ----------------------------------------------------------------------------------------
const BOOL = new Set(['quiet', 'skip-db-update', 'skip-java-db-update', 'skip-check-update', 'offline-scan', 'ignore-unfixed', 'list-all-pkgs', 'no-progress', 'skip-version-check', 'debug', 'insecure']);
const VALUE = new Set(['format', 'output', 'severity', 'scanners', 'image-src', 'exit-code', 'input', 'cache-dir', 'timeout', 'pkg-types', 'vuln-type', 'platform']);
const SHORT = { q: 'quiet', f: 'format', o: 'output', s: 'severity', d: 'debug' };

function parseArgs(argv, env) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    let name;
    let value;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
    } else {
      name = SHORT[a.slice(1, 2)];
      if (!name) fatal(`unknown shorthand flag: '${a.slice(1, 2)}' in ${a}`);
      if (a.length > 2) value = a.slice(2).replace(/^=/, '');
    }
    if (BOOL.has(name)) opts[name] = value === undefined ? true : value !== 'false';
    else if (VALUE.has(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) fatal(`flag needs an argument: --${name}`);
        value = argv[++i];
      }
      opts[name] = value;
    } else notSimulated(`the flag --${name}`);
  }
  // Every flag also reads TRIVY_<FLAG> (viper), the flag winning.
  for (const name of [...BOOL, ...VALUE]) {
    const v = env[`TRIVY_${name.toUpperCase().replace(/-/g, '_')}`];
    if (opts[name] === undefined && v !== undefined && v !== '') opts[name] = BOOL.has(name) ? v !== 'false' : v;
  }
  return { opts, positional };
}

// ---- the DB -----------------------------------------------------------------------------------------
function cacheDir(opts, env) {
  if (opts['cache-dir']) return opts['cache-dir'];
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || '/root', '.cache');
  return path.join(base, 'trivy');
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function loadDb(opts, env) {
  const dir = path.join(cacheDir(opts, env), 'db');
  const meta = readJson(path.join(dir, 'metadata.json'));
  const db = readJson(path.join(dir, 'trivy.db'));
  if (!meta || !db) {
    if (opts['skip-db-update']) {
      log('ERROR', 'The first run cannot skip downloading DB');
      fatal('run error: init error: DB error: --skip-update cannot be specified on the first run');
    }
    log('INFO', '[vulndb] Need to update DB');
    log('INFO', '[vulndb] Downloading vulnerability DB...');
    fatal('run error: init error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:\n\t* Get "https://mirror.gcr.io/v2/": dial tcp: lookup mirror.gcr.io: no such host\n');
  }
  if (!opts['skip-db-update'] && Date.parse(meta.NextUpdate) < Date.now()) {
    log('INFO', '[vulndb] Need to update DB');
    log('INFO', '[vulndb] Downloading vulnerability DB...');
    fatal('run error: init error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:\n\t* Get "https://mirror.gcr.io/v2/": dial tcp: lookup mirror.gcr.io: no such host\n');
  }
  return { meta, db };
}

// ---- images -----------------------------------------------------------------------------------------
/** `nginx:1.21` → `docker.io/library/nginx:1.21`, as containerd names what the CRI pulled. */
function normalizeRef(ref) {
  let r = ref;
  const last = r.split('/').pop() ?? '';
  if (!last.includes(':') && !last.includes('@')) r += ':latest';
  const parts = r.split('/');
  if (parts.length === 1) return `docker.io/library/${r}`;
  if (!/[.:]/.test(parts[0]) && parts[0] !== 'localhost') return `docker.io/${r}`;
  return r;
}

function fixtureImages() {
  const f = readJson(FIXTURE);
  return f && typeof f.images === 'object' ? f.images : {};
}

/** The image `ref` from the sources trivy tries, or the fatal error naming what each source said. */
function findImage(ref, sources, env) {
  const norm = normalizeRef(ref);
  const images = fixtureImages();
  const errors = [];
  for (const src of sources) {
    if (src === 'docker') {
      errors.push(`docker error: unable to inspect the image (${ref}): Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?`);
    } else if (src === 'containerd') {
      const addr = env.CONTAINERD_ADDRESS || '/run/containerd/containerd.sock';
      if (!fs.existsSync(`${ROOT}${addr}`)) {
        errors.push(`containerd error: containerd socket not found: ${addr}`);
        continue;
      }
      const ns = env.CONTAINERD_NAMESPACE || 'default';
      const list = ns === 'k8s.io' ? readJson(CONTAINERD_IMAGES) ?? [] : [];
      if (Array.isArray(list) && list.includes(norm) && images[norm]) return { ref: norm, data: images[norm], source: 'containerd' };
      errors.push(`containerd error: image not found in containerd store: ${ref}`);
    } else if (src === 'podman') {
      errors.push(`podman error: no podman socket found: stat ${path.join(env.XDG_RUNTIME_DIR ?? '', 'podman', 'podman.sock')}: no such file or directory`);
    } else if (src === 'remote') {
      const host = norm.startsWith('docker.io/') ? 'index.docker.io' : norm.split('/')[0];
      const repo = norm.replace(/^docker\.io\//, '').replace(/[:@][^/]*$/, '');
      errors.push(`remote error: GET https://${host}/v2/${repo}/manifests/${norm.split(/[:@]/).pop()}: dial tcp: lookup ${host}: no such host`);
    } else {
      log('WARN', `Unknown image source\tsource="${src}"`);
    }
  }
  if (errors.length === 0) fatal('run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: no image sources supplied');
  fatal(`run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image scan service: unable to find the specified image "${ref}" in [${sources.map((s) => `"${s}"`).join(' ')}]: ${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n${errors.map((e) => `\t* ${e}`).join('\n')}\n`);
  return null;
}

/** A docker-archive given with --input: its manifest.json's RepoTags name the image. */
function imageFromArchive(file) {
  if (!fs.existsSync(file)) fatal(`run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image archive scan service: unable to open ${file} as a Docker image: open ${file}: no such file or directory`);
  const r = spawnSync('tar', ['-xOf', file, 'manifest.json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  let tags = [];
  try {
    tags = JSON.parse(r.stdout).flatMap((m) => m.RepoTags ?? []);
  } catch {
    fatal(`run error: image scan error: scan error: unable to initialize a scan service: unable to initialize an image archive scan service: unable to open ${file} as a Docker image: unable to open the file as a Docker image or OCI image`);
  }
  const images = fixtureImages();
  const tag = tags.map(normalizeRef).find((t) => images[t]);
  if (!tag) notSimulated(`scanning an archive of an image outside the fixture (${tags.join(', ') || file})`);
  return { ref: tag, data: images[tag], source: 'archive' };
}

// ---- the scan ---------------------------------------------------------------------------------------
const PURL_DISTRO = (os) => `debian-${os.Name}`;
function debPurl(p, os) {
  const { epoch } = parseDebVersion(p.version);
  const v = p.version.replace(/^\d+:/, '');
  return `pkg:deb/debian/${p.name}@${encodeURIComponent(v)}?arch=amd64&distro=${PURL_DISTRO(os)}${epoch ? `&epoch=${epoch}` : ''}`;
}
const pkgUid = (p) => sha(`${p.name}@${p.version}`).slice(0, 16);

/** `docker.io/library/redis` → `redis`, `docker.io/x/y` → `x/y` (reference.FamiliarName). */
const familiar = (repo) => repo.replace(/^docker\.io\/library\/(?=[^/]+$)/, '').replace(/^docker\.io\//, '');

/**
 * Metadata as the image source fills it: from containerd, RepoTags/RepoDigests of the familiar name
 * (daemon/containerd.go inspect); a docker-archive (--input) has none (archive.go).
 */
function metadataOf(image) {
  const repo = familiar(image.ref.replace(/[:@][^/]*$/, ''));
  const tag = image.ref.slice(image.ref.lastIndexOf(':') + 1);
  const id = `sha256:${sha(`${image.ref} config`)}`;
  const diffId = `sha256:${sha(`${image.ref} layer`)}`;
  const named = image.source !== 'archive';
  return {
    Size: 0,
    OS: image.data.os ?? undefined,
    ImageID: id,
    DiffIDs: [diffId],
    ...(named ? { RepoTags: [`${repo}:${tag}`], RepoDigests: [`${repo}@sha256:${sha(image.ref)}`] } : {}),
    ImageConfig: { architecture: 'amd64', created: image.data.created, os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, config: {} },
  };
}

function packagesOf(image) {
  return (image.data.packages ?? []).map(([name, version, srcName, srcVersion]) => ({ name, version, srcName, srcVersion }));
}

/** --severity as a list (every severity by default); an unknown one is trivy's flag error. */
function severityList(opts) {
  const severities = String(opts.severity ?? SEVERITIES.join(',')).split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of severities) if (!SEVERITIES.includes(s)) fatal(`flag error: severity error: unknown severity option: unknown severity: ${s}`);
  return severities;
}

function detect(image, db, opts) {
  const os = image.data.os;
  if (!os) return [];
  const bucket = db.advisories?.[`${os.Family} ${String(os.Name).split('.')[0]}`] ?? {};
  const out = [];
  const diffId = `sha256:${sha(`${image.ref} layer`)}`;
  for (const p of packagesOf(image)) {
    for (const [id, adv] of Object.entries(bucket[p.srcName] ?? {})) {
      const fixed = adv.FixedVersion ?? '';
      if (fixed && compareDebVersions(p.srcVersion, fixed) >= 0) continue;
      const d = db.vulnerabilities?.[id] ?? {};
      out.push({
        VulnerabilityID: id,
        PkgID: `${p.name}@${p.version}`,
        PkgName: p.name,
        PkgIdentifier: { PURL: debPurl(p, os), UID: pkgUid(p) },
        InstalledVersion: p.version,
        ...(fixed ? { FixedVersion: fixed } : {}),
        Status: fixed ? 'fixed' : adv.Status ?? 'affected',
        Layer: { DiffID: diffId },
        SeveritySource: 'nvd',
        PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
        DataSource: { ID: 'debian', Name: 'Debian Security Tracker', URL: 'https://salsa.debian.org/security-tracker-team/security-tracker' },
        Title: d.Title,
        Description: d.Description,
        Severity: d.Severity ?? 'UNKNOWN',
        CweIDs: d.CweIDs,
        VendorSeverity: { nvd: SEVERITIES.indexOf(d.Severity ?? 'UNKNOWN') },
        CVSS: d.CVSS,
        References: d.References,
        PublishedDate: d.PublishedDate,
        LastModifiedDate: d.LastModifiedDate,
      });
    }
  }
  const severities = severityList(opts);
  return out
    .filter((v) => severities.includes(v.Severity))
    .filter((v) => !opts['ignore-unfixed'] || v.Status === 'fixed')
    .sort((a, b) => a.PkgName.localeCompare(b.PkgName) || SEVERITIES.indexOf(b.Severity) - SEVERITIES.indexOf(a.Severity) || a.VulnerabilityID.localeCompare(b.VulnerabilityID));
}

function report(artifactName, image, vulns, opts, vulnEnabled) {
  const os = image.data.os;
  const results = [];
  if (os) {
    const result = { Target: `${artifactName} (${os.Family} ${os.Name})`, Class: 'os-pkgs', Type: os.Family };
    if (opts['list-all-pkgs']) {
      result.Packages = packagesOf(image).map((p) => ({ ID: `${p.name}@${p.version}`, Name: p.name, Identifier: { PURL: debPurl(p, os), UID: pkgUid(p) }, Version: p.version.replace(/^\d+:/, ''), ...(parseDebVersion(p.version).epoch ? { Epoch: parseDebVersion(p.version).epoch } : {}), Arch: 'amd64', SrcName: p.srcName, SrcVersion: p.srcVersion.replace(/^\d+:/, '') }));
    }
    if (vulnEnabled && vulns.length > 0) result.Vulnerabilities = vulns;
    results.push(result);
  }
  return {
    SchemaVersion: 2,
    CreatedAt: new Date().toISOString(),
    ArtifactName: artifactName,
    ArtifactType: 'container_image',
    Metadata: metadataOf(image),
    ...(results.length > 0 ? { Results: results } : {}),
  };
}

// ---- formats -----------------------------------------------------------------------------------------
function boxTable(header, rows, centered = []) {
  const cells = [header, ...rows];
  const w = header.map((_, c) => Math.max(...cells.map((r) => String(r[c]).length)));
  const line = (l, m, r) => `${l}${w.map((n) => '─'.repeat(n + 2)).join(m)}${r}`;
  const row = (r, center) => `│${r.map((x, c) => {
    const s = String(x);
    if (!center && !centered.includes(c)) return ` ${s.padEnd(w[c])} `;
    const left = Math.floor((w[c] - s.length) / 2);
    return ` ${' '.repeat(left)}${s}${' '.repeat(w[c] - s.length - left)} `;
  }).join('│')}│`;
  return [line('┌', '┬', '┐'), row(header, true), line('├', '┼', '┤'), ...rows.map((r) => row(r, false)), line('└', '┴', '┘')].join('\n');
}

function table(rep, severities) {
  const results = rep.Results ?? [];
  const out = ['', 'Report Summary', ''];
  out.push(boxTable(['Target', 'Type', 'Vulnerabilities', 'Secrets'], results.map((r) => [r.Target, r.Type, String((r.Vulnerabilities ?? []).length), '-']), [1, 2, 3]));
  out.push('Legend:', "- '-': Not scanned", "- '0': Clean (no security findings detected)", '', '');
  for (const r of results) {
    const vulns = r.Vulnerabilities ?? [];
    // A target without findings gets no section (report/table/vulnerability.go Render).
    if (vulns.length === 0) continue;
    out.push(r.Target, '='.repeat(r.Target.length));
    const count = (s) => vulns.filter((v) => v.Severity === s).length;
    out.push(`Total: ${vulns.length} (${SEVERITIES.filter((s) => severities.includes(s)).map((s) => `${s}: ${count(s)}`).join(', ')})`, '');
    const rows = [];
    let prev = '';
    for (const v of vulns) {
      // The title's first 12 words (or the description's), as trivy's table shortens it.
      const words = String(v.Title || v.Description || '').split(' ');
      const title = words.length >= 12 ? `${words.slice(0, 12).join(' ')}...` : words.join(' ');
      rows.push([v.PkgName === prev ? '' : v.PkgName, v.VulnerabilityID, v.Severity, v.Status, v.InstalledVersion, v.FixedVersion ?? '', title]);
      rows.push(['', '', '', '', '', '', v.PrimaryURL]);
      prev = v.PkgName;
    }
    out.push(boxTable(['Library', 'Vulnerability', 'Severity', 'Status', 'Installed Version', 'Fixed Version', 'Title'], rows), '');
  }
  return `${out.join('\n')}\n`;
}

function spdxIds(rep, image) {
  const img = `SPDXRef-ContainerImage-${sha(rep.ArtifactName).slice(0, 16)}`;
  const os = image.data.os ? `SPDXRef-OperatingSystem-${sha(`${image.data.os.Family} ${image.data.os.Name}`).slice(0, 16)}` : null;
  return { img, os, pkg: (p) => `SPDXRef-Package-${pkgUid(p)}` };
}

/** The image's purl (pkg:oci/<name>@<digest>?arch=…&repository_url=…), or undefined without a repo digest (an archive). */
function ociPurl(rep) {
  const repoDigest = rep.Metadata.RepoDigests?.[0];
  if (!repoDigest) return undefined;
  const [repo, digest] = repoDigest.split('@');
  const full = repo.includes('/') ? (repo.split('/')[0].includes('.') ? repo : `docker.io/${repo}`) : `docker.io/library/${repo}`;
  const repoUrl = full.startsWith('docker.io/') ? `index.${full}` : full;
  return `pkg:oci/${full.split('/').pop()}@${encodeURIComponent(digest)}?arch=amd64&repository_url=${encodeURIComponent(repoUrl)}`;
}

/** An SPDX annotation as trivy writes each property of a component (marshal.go appendAnnotation). */
const annotation = (comment, date) => ({ annotator: `Tool: trivy-${VERSION}`, annotationDate: date, annotationType: 'OTHER', comment });

function spdxDocument(rep, image) {
  const ids = spdxIds(rep, image);
  const created = ts();
  const os = image.data.os;
  const packages = [{
    name: rep.ArtifactName,
    SPDXID: ids.img,
    downloadLocation: 'NONE',
    filesAnalyzed: false,
    ...(ociPurl(rep) ? { externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: ociPurl(rep) }] } : {}),
    primaryPackagePurpose: 'CONTAINER',
    annotations: [['DiffID', rep.Metadata.DiffIDs[0]], ['ImageID', rep.Metadata.ImageID], ['RepoDigest', rep.Metadata.RepoDigests?.[0]], ['RepoTag', rep.Metadata.RepoTags?.[0]], ['SchemaVersion', '2']]
      .filter(([, v]) => v)
      .map(([k, v]) => annotation(`${k}: ${v}`, created)),
  }];
  const relationships = [{ spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: ids.img, relationshipType: 'DESCRIBES' }];
  if (os) {
    packages.push({ name: os.Family, SPDXID: ids.os, versionInfo: os.Name, downloadLocation: 'NONE', filesAnalyzed: false, primaryPackagePurpose: 'OPERATING-SYSTEM' });
    relationships.push({ spdxElementId: ids.img, relatedSpdxElement: ids.os, relationshipType: 'CONTAINS' });
    for (const p of packagesOf(image)) {
      packages.push({
        name: p.name,
        SPDXID: ids.pkg(p),
        versionInfo: p.version,
        supplier: 'NOASSERTION',
        downloadLocation: 'NONE',
        filesAnalyzed: false,
        sourceInfo: `built package from: ${p.srcName} ${p.srcVersion}`,
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: debPurl(p, os) }],
        primaryPackagePurpose: 'LIBRARY',
        annotations: [annotation(`PkgID: ${p.name}@${p.version}`, created), annotation(`PkgType: ${os.Family}`, created)],
      });
      relationships.push({ spdxElementId: ids.os, relatedSpdxElement: ids.pkg(p), relationshipType: 'CONTAINS' });
    }
  }
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: rep.ArtifactName,
    documentNamespace: `http://trivy.dev/container_image/${rep.ArtifactName}-${crypto.randomUUID()}`,
    creationInfo: { creators: ['Organization: aquasecurity', `Tool: trivy-${VERSION}`], created },
    packages,
    relationships,
  };
}

function spdxTagValue(doc) {
  const out = [`SPDXVersion: ${doc.spdxVersion}`, `DataLicense: ${doc.dataLicense}`, `SPDXID: ${doc.SPDXID}`, `DocumentName: ${doc.name}`, `DocumentNamespace: ${doc.documentNamespace}`];
  for (const c of doc.creationInfo.creators) out.push(`Creator: ${c}`);
  out.push(`Created: ${doc.creationInfo.created}`, '');
  for (const p of doc.packages) {
    out.push(`##### Package: ${p.name}`, '', `PackageName: ${p.name}`, `SPDXID: ${p.SPDXID}`);
    if (p.versionInfo) out.push(`PackageVersion: ${p.versionInfo}`);
    out.push(`PackageDownloadLocation: ${p.downloadLocation}`, `FilesAnalyzed: ${p.filesAnalyzed}`);
    for (const r of p.externalRefs ?? []) out.push(`ExternalRef: ${r.referenceCategory} ${r.referenceType} ${r.referenceLocator}`);
    out.push(`PrimaryPackagePurpose: ${p.primaryPackagePurpose}`, '');
  }
  out.push('##### Relationships', '');
  for (const r of doc.relationships) out.push(`Relationship: ${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
  return `${out.join('\n')}\n`;
}

function cyclonedx(rep, image, vulns) {
  const os = image.data.os;
  const purl = ociPurl(rep);
  const root = purl ?? crypto.randomUUID();
  const components = [];
  const deps = [];
  if (os) {
    const osRef = `${sha(`${os.Family} ${os.Name}`).slice(0, 8)}-${crypto.randomUUID().slice(9)}`;
    components.push({ 'bom-ref': osRef, type: 'operating-system', name: os.Family, version: os.Name, properties: [{ name: 'aquasecurity:trivy:Class', value: 'os-pkgs' }, { name: 'aquasecurity:trivy:Type', value: os.Family }] });
    const refs = [];
    for (const p of packagesOf(image)) {
      const purl = debPurl(p, os);
      refs.push(purl);
      components.push({ 'bom-ref': purl, type: 'library', name: p.name, version: p.version, purl, properties: [{ name: 'aquasecurity:trivy:PkgID', value: `${p.name}@${p.version}` }, { name: 'aquasecurity:trivy:PkgType', value: os.Family }, { name: 'aquasecurity:trivy:SrcName', value: p.srcName }, { name: 'aquasecurity:trivy:SrcVersion', value: p.srcVersion }] });
      deps.push({ ref: purl, dependsOn: [] });
    }
    deps.unshift({ ref: root, dependsOn: [osRef] }, { ref: osRef, dependsOn: refs });
  }
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${crypto.randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: ts(),
      tools: { components: [{ type: 'application', group: 'aquasecurity', name: 'trivy', version: VERSION }] },
      component: {
        'bom-ref': root,
        type: 'container',
        name: rep.ArtifactName,
        ...(purl ? { purl } : {}),
        properties: [['ImageID', rep.Metadata.ImageID], ['RepoDigest', rep.Metadata.RepoDigests?.[0]], ['RepoTag', rep.Metadata.RepoTags?.[0]], ['SchemaVersion', '2']].filter(([, v]) => v).map(([k, v]) => ({ name: `aquasecurity:trivy:${k}`, value: v })),
      },
    },
    components,
    dependencies: deps,
    vulnerabilities: vulns.map((v) => ({ id: v.VulnerabilityID, source: { name: 'debian', url: v.DataSource.URL }, ratings: [{ source: { name: 'nvd' }, severity: v.Severity.toLowerCase() }], description: v.Description, affects: [{ ref: v.PkgIdentifier.PURL }] })),
  };
}

// ---- commands -------------------------------------------------------------------------------------
function version(opts, env) {
  const dir = path.join(cacheDir(opts, env), 'db');
  const meta = readJson(path.join(dir, 'metadata.json'));
  let text = `Version: ${VERSION}\n`;
  if (meta) {
    const t = (s) => String(s).replace('T', ' ').replace(/Z$/, ' +0000 UTC');
    text += `Vulnerability DB:\n  Version: ${meta.Version}\n  UpdatedAt: ${t(meta.UpdatedAt)}\n  NextUpdate: ${t(meta.NextUpdate)}\n  DownloadedAt: ${t(meta.DownloadedAt)}\n`;
  }
  process.stdout.write(text);
}

function image(argv, env) {
  const { opts, positional } = parseArgs(argv, env);
  quiet = Boolean(opts.quiet);
  const format = opts.format ?? 'table';
  if (!['table', 'json', 'spdx', 'spdx-json', 'cyclonedx'].includes(format)) notSimulated(`--format ${format}`);
  if (opts.input === undefined && positional.length !== 1) fatal(`flag error: image name is required${positional.length > 1 ? ` (got ${positional.length} arguments)` : ''}`);
  const sbom = format === 'spdx' || format === 'spdx-json' || format === 'cyclonedx';
  // SBOM formats scan nothing unless --scanners says so (trivy's default for them).
  const scanners = String(opts.scanners ?? (sbom ? '' : 'vuln,secret')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of scanners) if (!['vuln', 'secret'].includes(s)) notSimulated(`--scanners ${s}`);
  const vulnEnabled = scanners.includes('vuln');
  const db = vulnEnabled ? loadDb(opts, env) : null;
  if (vulnEnabled) log('INFO', '[vuln] Vulnerability scanning is enabled');
  if (scanners.includes('secret')) {
    log('INFO', '[secret] Secret scanning is enabled');
    log('INFO', "[secret] If your scanning is slow, please try '--scanners vuln' to disable secret scanning");
  }
  const sources = String(opts['image-src'] ?? SOURCES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  const img = opts.input !== undefined ? imageFromArchive(opts.input) : findImage(positional[0], sources, env);
  const artifactName = opts.input !== undefined ? opts.input : positional[0];
  const os = img.data.os;
  if (os) {
    log('INFO', `Detected OS\tfamily="${os.Family}" version="${os.Name}"`);
    if (vulnEnabled) log('INFO', `[${os.Family}] Detecting vulnerabilities...\tos_version="${String(os.Name).split('.')[0]}" pkg_num=${packagesOf(img).length}`);
  } else {
    log('WARN', '[image] OS is not detected and vulnerabilities in OS packages are not scanned.');
  }
  log('INFO', 'Number of language-specific files\tnum=0');
  const vulns = vulnEnabled ? detect(img, db.db, opts) : [];
  const rep = report(artifactName, img, vulns, opts, vulnEnabled);
  let text;
  if (format === 'json') text = `${JSON.stringify(rep, null, 2)}\n`;
  else if (format === 'table') text = table(rep, severityList(opts));
  else if (format === 'spdx-json') text = `${JSON.stringify(spdxDocument(rep, img), null, 2)}\n`;
  else if (format === 'spdx') text = spdxTagValue(spdxDocument(rep, img));
  else text = `${JSON.stringify(cyclonedx(rep, img, vulns), null, 2)}\n`;
  if (opts.output !== undefined) {
    try {
      fs.writeFileSync(opts.output, text);
    } catch (e) {
      fatal(`run error: failed to create an output file: open ${opts.output}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
    }
  } else process.stdout.write(text);
  const code = Number(opts['exit-code'] ?? 0);
  if (code !== 0 && vulns.length > 0) throw new Exit(code);
}

function main(argv, env) {
  const globals = [];
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('-'); i++) globals.push(argv[i]);
  const [cmd, ...rest] = argv.slice(i);
  if (globals.includes('--version') || globals.includes('-v') || cmd === 'version') {
    const { opts } = parseArgs(globals.filter((g) => g !== '--version' && g !== '-v').concat(cmd === 'version' ? rest : []), env);
    return version(opts, env);
  }
  if (cmd === 'image' || cmd === 'i') return image([...globals, ...rest], env);
  return notSimulated(`"trivy ${argv.join(' ')}"`);
}

try {
  main(process.argv.slice(2), process.env);
} catch (e) {
  if (e instanceof Exit) process.exitCode = e.code;
  else throw e;
}
