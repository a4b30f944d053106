/**
 * host-footprint proven on the fakes (one cluster of the `default` lab): setup builds a real .deb
 * with dpkg-deb and installs it with the real dpkg into the node's own package database; its
 * postinst creates the user and enables and starts the service through the fake systemctl, whose
 * process really listens (fake nodes share the host's network, hence an unusual port, checked
 * with the real `ss`). The ways people get it wrong fail the task they break; right answers
 * written differently pass.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/index.js';
import { CheckEngine } from '../../server/grading/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { scriptEnv } from '../../server/scenarios/params.js';
import { ScenarioCatalog, loadCatalog } from '../../server/scenarios/index.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { ROOT } from '../helpers/testServer.js';
import { checkIn as check, failedTasks as failed, onCluster } from './grades.js';

const catalog = new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios'), { labsDir: join(ROOT, 'labs') }).scenarios);
const scenario = catalog.require('host-footprint');
const lab = loadLabs(join(ROOT, 'labs')).get('default')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const PARAMS = scriptEnv(scenario);
const PKG = 'telemetryd';
const PORT = '47031';

describe('scenario host-footprint on the fakes', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-hostfoot';
  const node = onCluster(world, scenario, cluster, { grader, scriptEnv: PARAMS });
  const { grade, run, solve } = node;
  /** The state setup leaves, from whatever an attempt left: unmasked, stopped, then setup again. */
  const setup = async () => {
    await run(`systemctl unmask ${PKG}.service >/dev/null 2>&1; systemctl stop ${PKG}.service >/dev/null 2>&1; true`);
    await node.setup();
  };

  before(async function () {
    this.timeout(120_000);
    await world.provider.create(cluster, lab, () => undefined);
  });
  after(async () => {
    // The service's process listens on the host: stop it before the node goes.
    await world.provider.nodeExec(cluster, ['sh', '-c', `systemctl stop ${PKG}.service`]).catch(() => undefined);
    await world.cleanup();
  });

  it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
    await setup();
    const before = await grade();
    assert.deepEqual(failed(before), ['package-purged', 'service-stopped-masked', 'user-removed']);
    assert.match(check(before, 'service-stopped-masked', 'port-closed').actual, new RegExp(`"still listening: LISTEN 0 \\d+ \\S*:${PORT} `));
    assert.match(check(before, 'service-stopped-masked', 'unit-masked').actual, /"is-enabled: enabled"/);
    assert.match(check(before, 'package-purged', 'dpkg-not-installed').actual, /"dpkg -s exit code 0: Status: install ok installed"/);
    assert.match(check(before, 'user-removed', 'no-such-user').actual, /"id exit code 0: uid=\d+\(telemetry\) gid=\d+\(telemetry\)/);
    // The service really runs as the package's user.
    const proc = await run(`systemctl status ${PKG}.service | head -n 3\npid=$(ss -ltnpH "sport = :${PORT}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)\nps -o user:20=,comm= -p "$pid"`);
    assert.match(proc, /Active: active \(running\)[\s\S]*telemetry +openssl/);
    await solve();
    const after = await grade();
    assert.deepEqual(failed(after), []);
    assert.equal(after.score, after.maxScore);
    await solve(); // idempotent
    assert.deepEqual(failed(await grade()), []);
  });

  it('stopped and disabled but not masked fails only the service task', async () => {
    await setup();
    await run(`set -e\nsystemctl disable --now ${PKG}.service\napt-get purge -y -q ${PKG} >/dev/null\nuserdel telemetry`);
    const r = await grade();
    assert.deepEqual(failed(r), ['service-stopped-masked']);
    assert.equal(check(r, 'service-stopped-masked', 'port-closed').status, 'pass');
    assert.match(check(r, 'service-stopped-masked', 'unit-masked').actual, /"is-enabled: Failed to get unit file state for telemetryd\.service: No such file/);
  });

  it('masked but never stopped: userdel refuses while it runs, and with -f only the service task fails (still listening)', async () => {
    await setup();
    const out = await run(`set -e\nsystemctl mask ${PKG}.service\ndpkg -P ${PKG} >/dev/null\nuserdel telemetry 2>&1 && echo "userdel worked" || echo "userdel exit $?"\nuserdel -f telemetry 2>/dev/null || true`);
    assert.match(out, /userdel: user telemetry is currently used by process \d+\nuserdel exit 8/);
    const r = await grade();
    assert.deepEqual(failed(r), ['service-stopped-masked']);
    assert.match(check(r, 'service-stopped-masked', 'port-closed').actual, new RegExp(`still listening: LISTEN .*:${PORT} `));
    assert.equal(check(r, 'service-stopped-masked', 'unit-masked').status, 'pass');
  });

  it('apt-get remove instead of purge leaves the configuration (dpkg -s exits 0, "rc") and fails only the package task', async () => {
    await setup();
    const out = await run(`set -e\nsystemctl stop ${PKG}.service\nsystemctl mask ${PKG}.service\napt-get remove -y -q ${PKG} >/dev/null\ndpkg -l ${PKG} | tail -n 1 | cut -c1-3\nls /etc/${PKG}\nuserdel telemetry`);
    assert.match(out, /^rc \n/);
    assert.match(out, /telemetryd\.conf/);
    const r = await grade();
    assert.deepEqual(failed(r), ['package-purged']);
    assert.match(check(r, 'package-purged', 'dpkg-not-installed').actual, /"dpkg -s exit code 0: Status: deinstall ok config-files"/);
  });

  it('the user left behind fails only the user task', async () => {
    await setup();
    await run(`set -e\nsystemctl stop ${PKG}.service\nsystemctl mask ${PKG}.service\napt-get purge -y -q ${PKG} >/dev/null`);
    const r = await grade();
    assert.deepEqual(failed(r), ['user-removed']);
  });

  it('a right answer written differently passes: purge first with dpkg -P, then systemctl mask --now, then userdel', async () => {
    await setup();
    await run(`set -e\ndpkg -P ${PKG} >/dev/null\nss -ltnH "sport = :${PORT}" | grep -q LISTEN\nsystemctl mask --now ${PKG}.service\nuserdel telemetry`);
    const r = await grade();
    assert.deepEqual(failed(r), []);
  });
});
