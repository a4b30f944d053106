/**
 * What isolation the host's engine really gives, and what follows from it: /api/ready says so,
 * labs that change host kernel state are not offered on a rootless engine, kind on a rootless
 * engine needs cgroup v2, Podman works as the engine, and the inotify limits cap capacity.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inotifyCapacity, loadLabs, parseDockerIsolation, parsePodmanIsolation, readInotifyLimits } from '../../server/clusters/index.js';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT } from '../helpers/testServer.js';

const labs = loadLabs(join(ROOT, 'labs'));

describe('engine isolation, parsed from the engine’s own report', () => {
  it('docker: rootful, rootless, userns-remap and the cgroup version', () => {
    const rootful = parseDockerIsolation('["name=apparmor","name=seccomp,profile=builtin","name=cgroupns"] 2');
    assert.deepEqual([rootful.level, rootful.rootless, rootful.cgroupVersion], ['rootful', false, '2']);
    assert.match(rootful.summary, /root on this host/);
    assert.equal(rootful.apparmor, true, 'AppArmor read from the same report');
    const rootless = parseDockerIsolation('["name=seccomp,profile=builtin","name=rootless","name=cgroupns"] 2');
    assert.deepEqual([rootless.level, rootless.rootless], ['rootless', true]);
    assert.match(rootless.summary, /unprivileged user/);
    assert.equal(parseDockerIsolation('["name=seccomp,profile=builtin","name=userns"] 1').level, 'userns-remap');
    assert.equal(parseDockerIsolation('["name=seccomp,profile=builtin"] 1').cgroupVersion, '1');
    assert.equal(parseDockerIsolation('garbage').level, 'unknown');
  });

  it('podman: rootless or not, cgroups v1/v2', () => {
    assert.deepEqual(Object.values(parsePodmanIsolation('true v2')).slice(0, 4), ['podman', 'rootless', true, '2']);
    assert.equal(parsePodmanIsolation('false v1').level, 'rootful');
    assert.equal(parsePodmanIsolation('false v2 true').apparmor, true);
    assert.equal(parsePodmanIsolation('false v2 false').apparmor, false);
  });
});

describe('inotify limits cap how many kind clusters a host holds', () => {
  it('reads /proc/sys/fs/inotify and names the sysctl to set when they are short', () => {
    const proc = mkdtempSync(join(tmpdir(), 'cks-proc-'));
    try {
      mkdirSync(join(proc, 'sys/fs/inotify'), { recursive: true });
      writeFileSync(join(proc, 'sys/fs/inotify/max_user_instances'), '128\n');
      writeFileSync(join(proc, 'sys/fs/inotify/max_user_watches'), '65536\n');
      const limits = readInotifyLimits(proc);
      assert.deepEqual(limits, { maxUserInstances: 128, maxUserWatches: 65536 });
      const v = inotifyCapacity(limits, 20);
      assert.equal(v.clusters, 4, 'watches allow 4, instances 5');
      assert.match(v.warning ?? '', /sysctl -w fs\.inotify\.max_user_instances=512 fs\.inotify\.max_user_watches=524288/);
      assert.deepEqual(inotifyCapacity({ maxUserInstances: 8192, maxUserWatches: 1_048_576 }, 20), { clusters: 64, warning: null });
      assert.deepEqual(inotifyCapacity(readInotifyLimits(join(proc, 'nope')), 20), { clusters: null, warning: null }, 'unreadable: no cap, no claim');
    } finally {
      rmSync(proc, { recursive: true, force: true });
    }
  });
});

describe('isolation on the fakes: provider, catalog and /api/ready', function () {
  this.timeout(120_000);

  it('a rootless Docker: the AppArmor and gVisor labs are unavailable with the reason, the default lab is not', async () => {
    const world = fakeClusterWorld({ extra: { FAKE_DOCKER_ROOTLESS: '1', FAKE_DOCKER_APPARMOR: '1' } });
    try {
      const iso = await world.provider.isolation!();
      assert.equal(iso.level, 'rootless');
      for (const id of ['apparmor', 'gvisor']) {
        const reason = await world.provider.labSupport(labs.get(id)!);
        assert.match(reason ?? '', /rootless docker cannot do/, `${id}: ${reason}`);
      }
      assert.equal(await world.provider.labSupport(labs.get('default')!), null);
      assert.equal(await world.provider.preflight(), null, 'cgroup v2: kind runs rootless');
    } finally {
      await world.cleanup();
    }
  });

  it('a rootless engine on cgroup v1 is refused up front with the fix; a rootful one on cgroup v1 is not', async () => {
    const rootless = fakeClusterWorld({ extra: { FAKE_DOCKER_ROOTLESS: '1', FAKE_DOCKER_CGROUP_V1: '1' } });
    const rootful = fakeClusterWorld({ extra: { FAKE_DOCKER_CGROUP_V1: '1' } });
    try {
      assert.match((await rootless.provider.preflight()) ?? '', /needs cgroup v2.*systemd\.unified_cgroup_hierarchy=1/);
      assert.equal(await rootful.provider.preflight(), null);
    } finally {
      await rootless.cleanup();
      await rootful.cleanup();
    }
  });

  it('Podman as the engine (CKS_ENGINE=podman): clusters are created, node commands and the terminal go through podman', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cks-podman-'));
    // A `docker` that must never run: everything goes through `podman`.
    const noDocker = join(dataDir, 'bin');
    mkdirSync(noDocker);
    writeFileSync(join(noDocker, 'docker'), '#!/bin/sh\necho "docker must not be called with CKS_ENGINE=podman" >&2\nexit 1\n', { mode: 0o755 });
    const base = fakeClusterWorld({ extra: { CKS_ENGINE: 'podman' } });
    const world = { ...base, env: { ...base.env, PATH: `${noDocker}:${base.env.PATH}` } };
    let platform: Platform | undefined;
    try {
      platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error' }), createSilentLogger(), {
        env: world.env,
        terminalEnv: { ...world.terminalEnv, PATH: world.env.PATH },
      });
      const ready = await new Learner(platform.server.url).request('GET', '/api/ready');
      assert.equal(ready.status, 200, JSON.stringify(ready.json));
      assert.equal(ready.json.isolation.engine, 'podman');
      assert.equal(ready.json.isolation.level, 'rootless');
      const learner = new Learner(platform.server.url);
      const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const id = (created.json as { session: { id: string } }).session.id;
      for (let i = 0; i < 200 && platform.sessions.get(id)?.state === 'provisioning'; i++) await new Promise((r) => setTimeout(r, 100));
      const session = platform.sessions.get(id)!;
      assert.equal(session.state, 'ready', JSON.stringify(session));
      // Captured credentials work, and the node answers through `podman exec`.
      const graded = await learner.request('POST', `/api/sessions/${id}/grade`, undefined, { 'x-session-token': (created.json as { token: string }).token });
      assert.equal(graded.status, 200);
    } finally {
      await platform?.close();
      await base.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('/api/ready reports a rootful engine’s isolation and the inotify cap as warnings, and the pool is capped', async () => {
    const world = fakeClusterWorld({});
    const dataDir = mkdtempSync(join(tmpdir(), 'cks-ready-'));
    const proc = join(dataDir, 'proc');
    mkdirSync(join(proc, 'sys/fs/inotify'), { recursive: true });
    writeFileSync(join(proc, 'sys/fs/inotify/max_user_instances'), '128\n');
    writeFileSync(join(proc, 'sys/fs/inotify/max_user_watches'), '8192\n');
    let platform: Platform | undefined;
    try {
      platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error' }), createSilentLogger(), { env: world.env, procDir: proc });
      const r = await new Learner(platform.server.url).request('GET', '/api/ready');
      assert.equal(r.status, 200, 'warnings do not make the host unready');
      assert.equal(r.json.isolation.level, 'rootful');
      const warnings = r.json.warnings as string[];
      assert.ok(warnings.some((w) => /become root on this host/.test(w)), warnings.join('\n'));
      assert.ok(warnings.some((w) => /fs\.inotify\.max_user_watches=8192.*sysctl -w/.test(w)), warnings.join('\n'));
      assert.equal(platform.pool.status().capacity, 1, 'capped by inotify (8192 watches), at least one');
    } finally {
      await platform?.close();
      await world.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
