/**
 * host-least-privilege proven on the fakes (one cluster of the `sudo` lab): containerd's socket is a
 * real unix socket in the node, so whether `crictl` run as the user gets "connect: permission
 * denied" is the kernel's own answer for the socket's owner, group and mode and the user's groups;
 * `sudo -l -U` is the fake of sudo 1.9.13 reading /etc/sudoers and its drop-ins. The ways people get
 * it wrong fail the task they break; right answers written differently pass.
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
const scenario = catalog.require('host-least-privilege');
const lab = loadLabs(join(ROOT, 'labs')).get('sudo')!;
const grader = new CheckEngine({ logger: createSilentLogger() });
const PARAMS = scriptEnv(scenario);

describe('scenario host-least-privilege on the fakes', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld();
  const cluster = 'cks-hostpriv';
  const { grade, run, setup, solve } = onCluster(world, scenario, cluster, { grader, scriptEnv: PARAMS });

  before(async function () {
    this.timeout(120_000);
    await world.provider.create(cluster, lab, () => undefined);
  });
  after(() => world.cleanup());

  describe('the fakes it stands on', () => {
    it('the node has containerd’s socket as kind leaves it, and crictl honours its permissions for other users', async () => {
      assert.equal(await run('stat -c "%F %U:%G %a" /run/containerd/containerd.sock'), 'socket root:root 660\n');
      const out = await run(`set -e
useradd --no-create-home probe-user
setpriv --reuid=probe-user --regid=$(id -g probe-user) --init-groups crictl ps >/tmp/o 2>&1 && echo "unexpected success" || echo "exit $?"
cat /tmp/o
groupadd probe-group; usermod -aG probe-group probe-user
chgrp probe-group /run/containerd/containerd.sock
setpriv --reuid=probe-user --regid=$(id -g probe-user) --init-groups crictl ps --quiet >/dev/null && echo "group member reaches it"
setpriv --reuid=probe-user --regid=$(id -g probe-user) --clear-groups crictl ps >/dev/null 2>&1 || echo "without the group: refused"
chgrp root /run/containerd/containerd.sock
crictl ps --name '^etcd$' | tail -n +2 | grep -q etcd && echo "root reaches it"
mv /run/containerd/containerd.sock /run/containerd/moved.sock
crictl ps >/tmp/o 2>&1 || tail -n1 /tmp/o
mv /run/containerd/moved.sock /run/containerd/containerd.sock
userdel probe-user; groupdel probe-group
`);
      assert.match(out, /^exit 1\n/);
      assert.match(out, /level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:\/\/\/run\/containerd\/containerd\.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix \/run\/containerd\/containerd\.sock: connect: permission denied\\""/);
      assert.match(out, /group member reaches it\nwithout the group: refused\nroot reaches it\n/);
      assert.match(out, /connect: no such file or directory/);
    });

    it('sudo -l -U lists a user’s rules from /etc/sudoers and its drop-ins as sudo 1.9 does', async () => {
      const out = await run(`set -e
useradd --no-create-home probe-sudo
sudo -l -U probe-sudo; echo "exit $?"
printf 'probe-sudo ALL=(ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/probe
sudo -l -U probe-sudo
printf 'probe-sudo ALL=(ALL:ALL) ALL, (root) NOPASSWD: /usr/bin/id\\n' > /etc/sudoers.d/probe
sudo -l -U probe-sudo | tail -n 3
mv /etc/sudoers.d/probe /etc/sudoers.d/probe.disabled
sudo -l -U probe-sudo
visudo -c
sudo -l -U nobody-here 2>&1 || echo "exit $?"
rm /etc/sudoers.d/probe.disabled; userdel probe-sudo
`);
      const host = `${cluster}-control-plane`;
      assert.equal(
        out,
        `User probe-sudo is not allowed to run sudo on ${host}.\nexit 0\n` +
          `Matching Defaults entries for probe-sudo on ${host}:\n    env_reset, mail_badpass,\n    secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin,\n    use_pty\n\n` +
          `User probe-sudo may run the following commands on ${host}:\n    (ALL) NOPASSWD: ALL\n` +
          `User probe-sudo may run the following commands on ${host}:\n    (ALL : ALL) ALL\n    (root) NOPASSWD: /usr/bin/id\n` +
          `User probe-sudo is not allowed to run sudo on ${host}.\n` +
          '/etc/sudoers: parsed OK\n/etc/sudoers.d/README: parsed OK\n' +
          'sudo: unknown user nobody-here\nexit 1\n',
      );
    });

    it('sudo reads aliases, groups, negation (last match wins), skips world-writable drop-ins and recovers from a bad line', async () => {
      const out = await run(`set -e
useradd --no-create-home probe-a; useradd --no-create-home probe-b; groupadd probe-g; usermod -aG probe-g probe-a
cat > /etc/sudoers.d/probe <<'X'
User_Alias OPS = probe-a, %probe-g
Cmnd_Alias SVC = /usr/bin/systemctl restart nginx, /usr/bin/journalctl
OPS ALL = (root) NOPASSWD: SVC
%probe-g ALL=(ALL:ALL) /usr/bin/id
ALL, !probe-a ALL = /usr/bin/true
Defaults:probe-b !use_pty
X
chmod 440 /etc/sudoers.d/probe
echo "== a"; sudo -l -U probe-a | sed -n '/^User/,$p'
echo "== b"; sudo -l -U probe-b
printf 'probe-b ALL=(ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/ww; chmod 666 /etc/sudoers.d/ww
echo "== world-writable"; sudo -l -U probe-b 2>&1 | grep -v '^ \\|^Matching\\|^$'
rm /etc/sudoers.d/ww
printf 'probe-b ALL=(ALL NOPASSWD: ALL\\n' > /etc/sudoers.d/bad
echo "== bad line"; sudo -l -U probe-b 2>&1 | grep -v '^ \\|^Matching\\|^$'
visudo -c >/dev/null 2>&1 || echo "visudo -c exit $?"
echo "== root runs a command"; sudo id -u
rm /etc/sudoers.d/bad /etc/sudoers.d/probe; userdel probe-a; userdel probe-b; groupdel probe-g
`);
      const host = `${cluster}-control-plane`;
      assert.equal(
        out,
        `== a\nUser probe-a may run the following commands on ${host}:\n    (root) NOPASSWD: SVC\n    (ALL : ALL) /usr/bin/id\n` +
          `== b\nMatching Defaults entries for probe-b on ${host}:\n    env_reset, mail_badpass,\n    secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin,\n    use_pty, !use_pty\n\n` +
          `User probe-b may run the following commands on ${host}:\n    (root) /usr/bin/true\n` +
          `== world-writable\nsudo: /etc/sudoers.d/ww is world writable\nUser probe-b may run the following commands on ${host}:\n` +
          `== bad line\nsudo: /etc/sudoers.d/bad:1:1: syntax error\nUser probe-b may run the following commands on ${host}:\nvisudo -c exit 1\n` +
          '== root runs a command\n0\n',
      );
    });
  });

  describe('the scenario', () => {
    it('is proven: every task fails after setup, every task passes after the reference solution', async () => {
      await setup();
      const before = await grade();
      assert.deepEqual(failed(before), ['group-membership', 'no-sudo', 'runtime-socket']);
      assert.match(check(before, 'runtime-socket', 'socket-owner-mode').actual, /socket root:containerd 666/);
      assert.match(check(before, 'runtime-socket', 'user-runtime-denied').actual, /"crictl ps as deploy: exit code 0"/);
      assert.equal(check(before, 'runtime-socket', 'root-runtime-works').status, 'pass');
      assert.equal(check(before, 'runtime-socket', 'node-ready').actual, 'exit code 0, output "Ready=True"');
      assert.match(check(before, 'group-membership', 'not-in-group').actual, / containerd /);
      assert.match(check(before, 'no-sudo', 'sudo-list-empty').actual, /"sudo rule: \(ALL\) NOPASSWD: ALL"/);
      await solve();
      const after = await grade();
      assert.deepEqual(failed(after), []);
      assert.equal(after.score, after.maxScore);
      await solve(); // idempotent
      assert.deepEqual(failed(await grade()), []);
    });

    it('chmod 660 with the group left on the socket fails only the socket task', async () => {
      await setup();
      await solve();
      await run('chgrp containerd /run/containerd/containerd.sock');
      const r = await grade();
      assert.deepEqual(failed(r), ['runtime-socket']);
      assert.match(check(r, 'runtime-socket', 'socket-owner-mode').actual, /socket root:containerd 660/);
      // deploy left the group, so the runtime refuses it anyway: only the owner check fails.
      assert.equal(check(r, 'runtime-socket', 'user-runtime-denied').status, 'pass');
    });

    it('root:root but still 0666 fails only the socket task: deploy reaches the runtime', async () => {
      await setup();
      await solve();
      await run('chmod 666 /run/containerd/containerd.sock');
      const r = await grade();
      assert.deepEqual(failed(r), ['runtime-socket']);
      assert.match(check(r, 'runtime-socket', 'user-runtime-denied').actual, /"crictl ps as deploy: exit code 0"/);
    });

    it('the socket fixed but deploy left in the group fails only the group task', async () => {
      await setup();
      await solve();
      await run('usermod -aG containerd deploy');
      assert.deepEqual(failed(await grade()), ['group-membership']);
    });

    it('out of the group but the NOPASSWD rule left fails only the sudo task', async () => {
      await setup();
      await run('set -e\nchown root:root /run/containerd/containerd.sock; chmod 660 /run/containerd/containerd.sock\ngpasswd -d deploy containerd');
      const r = await grade();
      assert.deepEqual(failed(r), ['no-sudo']);
      assert.match(check(r, 'no-sudo', 'sudo-list-empty').actual, /"sudo rule: \(ALL\) NOPASSWD: ALL"/);
    });

    it('the rule edited to ask for a password (still ALL) fails only the sudo task', async () => {
      await setup();
      await solve();
      await run("printf 'deploy ALL=(ALL) ALL\\n' > /etc/sudoers.d/deploy && chmod 440 /etc/sudoers.d/deploy");
      const r = await grade();
      assert.deepEqual(failed(r), ['no-sudo']);
      assert.match(check(r, 'no-sudo', 'sudo-list-empty').actual, /"sudo rule: \(ALL\) ALL"/);
    });

    it('deploy put into group sudo instead fails the sudo task; deleting the account fails every task about it', async () => {
      await setup();
      await solve();
      await run('usermod -aG sudo deploy');
      let r = await grade();
      assert.deepEqual(failed(r), ['no-sudo']);
      assert.match(check(r, 'no-sudo', 'sudo-list-empty').actual, /"sudo rule: \(ALL : ALL\) ALL"/);
      await run('userdel deploy');
      r = await grade();
      // Without the account nothing can be observed about it: every task that asks about the user fails, saying why.
      assert.deepEqual(failed(r), ['group-membership', 'no-sudo', 'runtime-socket']);
      assert.match(check(r, 'group-membership', 'not-in-group').actual, /exit code 1: .*no such user/);
      assert.match(check(r, 'no-sudo', 'sudo-list-empty').actual, /exit code 1: sudo: unknown user deploy/);
      assert.match(check(r, 'runtime-socket', 'user-runtime-denied').actual, /crictl ps as deploy: exit code 1, setpriv: failed to parse reuid: 'deploy'/);
      await run('useradd --create-home --shell /bin/bash deploy 2>/dev/null || true');
    });

    it('right answers written differently pass: chmod u=rw,g=rw,o=, usermod -G, the rule commented out, the drop-in renamed with a dot', async () => {
      await setup();
      await run(`set -e
chown 0:0 /run/containerd/containerd.sock
chmod u=rw,g=rw,o= /run/containerd/containerd.sock
usermod -G "" deploy
sed -i 's/^deploy/# deploy/' /etc/sudoers.d/deploy
`);
      assert.deepEqual(failed(await grade()), []);
      await setup();
      await run(`set -e
chmod 0660 /run/containerd/containerd.sock && chgrp root /run/containerd/containerd.sock
gpasswd --delete deploy containerd
mv /etc/sudoers.d/deploy /etc/sudoers.d/deploy.disabled
`);
      assert.deepEqual(failed(await grade()), []);
      await run('rm -f /etc/sudoers.d/deploy.disabled');
    });
  });
});
