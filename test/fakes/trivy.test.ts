/**
 * The fake trivy 0.62.1 (test/fakes/lib/trivy.cjs) as the `scanners` lab installs it
 * (trivy-files.mjs): image sources as a kind node answers them (containerd's k8s.io namespace only
 * when CONTAINERD_NAMESPACE says so), vulnerabilities from the DB fixture matched by source package
 * with dpkg's version ordering, trivy's JSON report (SchemaVersion 2), table, SPDX 2.3 (JSON and
 * tag-value) and CycloneDX, the filters and exit codes, and the offline DB behaviour.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installTrivy } from './lib/trivy-files.mjs';

const IMAGES = ['docker.io/library/nginx:1.21.6', 'docker.io/library/redis:6.2.6', 'docker.io/library/nginx:1.23.3', 'docker.io/library/busybox:1.36.1'];

describe('fake trivy 0.62.1 (scanners lab)', () => {
  let root: string;
  const run = (args: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(root, 'usr/local/bin/trivy'), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: join(root, 'root'), CKS_FAKE_TRIVY_ROOT: root, CONTAINERD_NAMESPACE: 'k8s.io', TRIVY_SKIP_DB_UPDATE: 'true', ...env },
      encoding: 'utf8',
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = (ref: string, ...flags: string[]) => {
    const r = run(['image', '-q', '-f', 'json', ...flags, ref]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const ids = (rep: any): string[] => (rep.Results ?? []).flatMap((x: any) => (x.Vulnerabilities ?? []).map((v: any) => `${v.PkgName} ${v.VulnerabilityID}`));

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cks-trivy-'));
    installTrivy(root, {});
    mkdirSync(join(root, 'var/lib/containerd'), { recursive: true });
    writeFileSync(join(root, 'var/lib/containerd/cks-fake-images.json'), JSON.stringify(IMAGES));
    // containerd's socket (a plain file is enough for trivy's existence check).
    mkdirSync(join(root, 'run/containerd'), { recursive: true });
    writeFileSync(join(root, 'run/containerd/containerd.sock'), '');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reports CVE-2022-37434 where zlib1g is before the fixed version, not where it has the fix', () => {
    assert.ok(ids(json('nginx:1.21.6')).includes('zlib1g CVE-2022-37434'));
    assert.ok(ids(json('redis:6.2.6')).includes('zlib1g CVE-2022-37434'));
    const fixed = ids(json('nginx:1.23.3'));
    assert.ok(!fixed.includes('zlib1g CVE-2022-37434'));
    // …but the unfixed MiniZip CVE of every Debian zlib1g is still there (CRITICAL, will_not_fix).
    assert.ok(fixed.includes('zlib1g CVE-2023-45853'));
    assert.equal(json('busybox:1.36.1').Results, undefined);
  });

  it('writes trivy JSON: SchemaVersion 2, ArtifactName as given, metadata, the target with the OS, vulnerability fields', () => {
    const rep = json('redis:6.2.6');
    assert.deepEqual(Object.keys(rep), ['SchemaVersion', 'CreatedAt', 'ArtifactName', 'ArtifactType', 'Metadata', 'Results']);
    assert.equal(rep.ArtifactName, 'redis:6.2.6');
    assert.equal(rep.ArtifactType, 'container_image');
    assert.deepEqual(rep.Metadata.OS, { Family: 'debian', Name: '11.3' });
    assert.deepEqual(rep.Metadata.RepoTags, ['redis:6.2.6']); // the familiar name, as trivy's containerd source writes it
    assert.match(rep.Metadata.RepoDigests[0], /^redis@sha256:[0-9a-f]{64}$/);
    assert.equal(rep.Results[0].Target, 'redis:6.2.6 (debian 11.3)');
    assert.equal(rep.Results[0].Class, 'os-pkgs');
    const v = rep.Results[0].Vulnerabilities.find((x: any) => x.VulnerabilityID === 'CVE-2022-37434');
    assert.equal(v.InstalledVersion, '1:1.2.11.dfsg-2+deb11u1');
    assert.equal(v.FixedVersion, '1:1.2.11.dfsg-2+deb11u2');
    assert.equal(v.Status, 'fixed');
    assert.equal(v.Severity, 'CRITICAL');
    assert.equal(v.PkgIdentifier.PURL, 'pkg:deb/debian/zlib1g@1.2.11.dfsg-2%2Bdeb11u1?arch=amd64&distro=debian-11.3&epoch=1');
    assert.equal(json('docker.io/library/redis:6.2.6').ArtifactName, 'docker.io/library/redis:6.2.6');
  });

  it('filters by --severity and --ignore-unfixed, and --exit-code fails only when something is left', () => {
    assert.deepEqual(ids(json('nginx:1.23.3', '--severity', 'HIGH')), ['libssl1.1 CVE-2023-0286', 'openssl CVE-2023-0286']);
    assert.ok(!ids(json('nginx:1.23.3', '--ignore-unfixed')).includes('zlib1g CVE-2023-45853'));
    assert.equal(run(['image', '-q', '--exit-code', '3', '--severity', 'CRITICAL', 'redis:6.2.6']).code, 3);
    assert.equal(run(['image', '-q', '--exit-code', '3', '--severity', 'LOW', 'redis:6.2.6']).code, 0);
    assert.equal(run(['image', '-q', '--severity', 'SEVERE', 'redis:6.2.6']).code, 1);
    // The flags' environment variables count too; the flag wins.
    assert.deepEqual(ids(JSON.parse(run(['image', '-q', '-f', 'json', 'nginx:1.23.3'], { TRIVY_SEVERITY: 'HIGH' }).stdout)), ['libssl1.1 CVE-2023-0286', 'openssl CVE-2023-0286']);
  });

  it('prints the table by default, logs to stderr unless -q, and writes -o files', () => {
    const r = run(['image', 'nginx:1.21.6']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Report Summary/);
    assert.match(r.stdout, /nginx:1\.21\.6 \(debian 11\.3\)\n=+\nTotal: \d+ \(UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: \d+, CRITICAL: \d+\)/);
    assert.match(r.stdout, /│ zlib1g +│ CVE-2022-37434 │ CRITICAL │ fixed +│ 1:1\.2\.11\.dfsg-2\+deb11u1 │ 1:1\.2\.11\.dfsg-2\+deb11u2 │/);
    assert.match(r.stderr, /\tINFO\tDetected OS\tfamily="debian" version="11\.3"/);
    assert.equal(run(['image', '-q', 'nginx:1.21.6']).stderr, '');
    const out = join(root, 'report.json');
    assert.equal(run(['image', '-q', '--format=json', `--output=${out}`, 'redis:6.2.6']).stdout, '');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).SchemaVersion, 2);
    const bad = run(['image', '-q', '-f', 'json', '-o', '/nonexistent/dir/r.json', 'redis:6.2.6']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /FATAL\tFatal error\trun error: failed to create an output file: open \/nonexistent\/dir\/r\.json: no such file or directory/);
  });

  it('writes SPDX 2.3 JSON describing the image with its packages, SPDX tag-value, and CycloneDX', () => {
    const spdx = JSON.parse(run(['image', '-q', '--format', 'spdx-json', 'nginx:1.23.3']).stdout);
    assert.equal(spdx.spdxVersion, 'SPDX-2.3');
    assert.equal(spdx.SPDXID, 'SPDXRef-DOCUMENT');
    assert.equal(spdx.name, 'nginx:1.23.3');
    assert.match(spdx.documentNamespace, /^http:\/\/trivy\.dev\/container_image\/nginx:1\.23\.3-[0-9a-f-]{36}$/);
    assert.deepEqual(spdx.creationInfo.creators, ['Organization: aquasecurity', 'Tool: trivy-0.62.1']);
    const image = spdx.packages.find((p: any) => p.primaryPackagePurpose === 'CONTAINER');
    assert.equal(image.name, 'nginx:1.23.3');
    assert.match(image.SPDXID, /^SPDXRef-ContainerImage-[0-9a-f]+$/);
    assert.ok(image.annotations.some((a: any) => a.comment === 'SchemaVersion: 2' && a.annotator === 'Tool: trivy-0.62.1' && a.annotationType === 'OTHER'));
    assert.ok(spdx.relationships.some((r: any) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES' && r.relatedSpdxElement === image.SPDXID));
    assert.ok(spdx.packages.some((p: any) => p.name === 'libxml2' && p.versionInfo === '2.9.10+dfsg-6.7+deb11u3'));
    const tv = run(['image', '-q', '--format', 'spdx', 'nginx:1.23.3']).stdout;
    assert.match(tv, /^SPDXVersion: SPDX-2\.3\nDataLicense: CC0-1\.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: nginx:1\.23\.3\n/);
    const cdx = JSON.parse(run(['image', '-q', '--format', 'cyclonedx', 'nginx:1.23.3']).stdout);
    assert.equal(cdx.bomFormat, 'CycloneDX');
    assert.equal(cdx.specVersion, '1.6');
    assert.equal(cdx.spdxVersion, undefined);
    assert.ok(cdx.components.some((c: any) => c.name === 'libxml2'));
  });

  it('finds images only where a kind node has them: containerd k8s.io, or a docker-archive with --input', () => {
    let r = run(['image', 'redis:6.2.6'], { CONTAINERD_NAMESPACE: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unable to find the specified image "redis:6\.2\.6" in \["docker" "containerd" "podman" "remote"\]: 4 errors occurred:\n\t\* docker error: .*Cannot connect to the Docker daemon.*\n\t\* containerd error: image not found in containerd store: redis:6\.2\.6\n\t\* podman error: no podman socket found: stat podman\/podman\.sock: no such file or directory\n/);
    r = run(['image', '--image-src', 'containerd', 'nginx:9.9']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /in \["containerd"\]: 1 error occurred:\n\t\* containerd error: image not found in containerd store: nginx:9\.9\n/);
    // No containerd socket (CONTAINERD_ADDRESS elsewhere): trivy says so.
    r = run(['image', '--image-src', 'containerd', 'redis:6.2.6'], { CONTAINERD_ADDRESS: '/run/k3s/containerd/containerd.sock' });
    assert.match(r.stderr, /containerd error: containerd socket not found: \/run\/k3s\/containerd\/containerd\.sock/);
    const viaArchive = JSON.parse(run(['image', '-q', '-f', 'json', '--input', join(root, 'opt/cks-lab/scanners/images/redis_6.2.6.tar')]).stdout);
    assert.equal(viaArchive.ArtifactName, join(root, 'opt/cks-lab/scanners/images/redis_6.2.6.tar'));
    assert.ok(ids(viaArchive).includes('zlib1g CVE-2022-37434'));
    // An archive carries no RepoTags or RepoDigests in trivy's report (archive.go).
    assert.equal(viaArchive.Metadata.RepoTags, undefined);
  });

  it('never goes online: without --skip-db-update a stale DB is a download failure; no DB at all is refused', () => {
    let r = run(['image', '-q', 'redis:6.2.6'], { TRIVY_SKIP_DB_UPDATE: '' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed to download vulnerability DB/);
    r = run(['image', 'redis:6.2.6'], { HOME: join(root, 'nowhere') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR\tThe first run cannot skip downloading DB\n.*--skip-update cannot be specified on the first run/s);
    assert.match(run(['--version']).stdout, /^Version: 0\.62\.1\nVulnerability DB:\n  Version: 2\n  UpdatedAt: /);
  });

  it('orders versions as dpkg does (same answers as dpkg --compare-versions): the epoch first, ~ before anything, digits numerically', () => {
    // A DB of one advisory (fixed in 1:1.2.11.dfsg-2+deb11u2) and one image per installed version.
    const cases: [string, boolean][] = [
      ['1:1.2.11.dfsg-2+deb11u1', true],
      ['1:1.2.11.dfsg-2+deb11u2~bpo1', true], // ~ sorts before the end: a pre-release of the fix
      ['1:1.2.11.dfsg-2+deb11u2', false],
      ['1:1.2.11.dfsg-2+deb11u10', false], // 10 > 2 numerically, not as text
      ['1.2.13.dfsg-1', true], // no epoch (0) is older than any 1: version
      ['2:1.0-1', false],
    ];
    const images = Object.fromEntries(cases.map(([v], i) => [`docker.io/library/probe:${i}`, { os: { Family: 'debian', Name: '11.3' }, created: '2022-01-01T00:00:00Z', packages: [['zlib1g', v, 'zlib', v]] }]));
    writeFileSync(join(root, 'usr/local/lib/cks-fake/trivy/images.json'), JSON.stringify({ images }));
    writeFileSync(join(root, 'var/lib/containerd/cks-fake-images.json'), JSON.stringify(Object.keys(images)));
    try {
      cases.forEach(([v, affected], i) => {
        assert.equal(ids(json(`probe:${i}`)).includes('zlib1g CVE-2022-37434'), affected, `${v} ${affected ? 'is' : 'is not'} affected`);
      });
    } finally {
      installTrivy(root, {});
      writeFileSync(join(root, 'var/lib/containerd/cks-fake-images.json'), JSON.stringify(IMAGES));
    }
  });

  it('refuses what it does not simulate instead of pretending', () => {
    for (const args of [['fs', '/'], ['image', '--format', 'sarif', 'redis:6.2.6'], ['image', '--scanners', 'misconfig', 'redis:6.2.6'], ['image', '--db-repository', 'x', 'redis:6.2.6']]) {
      const r = run(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /fake trivy: .* is not simulated/);
    }
  });
});
