import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { cleanupFakeClusters, fakeEnv } from './lib/env.mjs';
import { publishNodePort } from './lib/node-ports.mjs';

const exec = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('fake node tools: systemctl and the node-port curl', function () {
  this.timeout(60_000);
  const env = fakeEnv({ phaseDelayMs: 0, apiserver: 'stub' });
  const home = env.CKS_FAKE_HOME;
  const node = 'tools-control-plane';
  let nodeRoot = '';
  let server: http.Server;
  let port = 0;

  async function onNode(script: string): Promise<Run> {
    try {
      const r = await exec('docker', ['exec', node, 'bash', '-c', script], { env, timeout: 30_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  before(async () => {
    await exec('kind', ['create', 'cluster', '--name', 'tools', '--wait', '60s'], { env });
    const found = fs
      .readdirSync(home, { recursive: true, withFileTypes: true })
      .find((d) => d.isFile() && d.name === 'ports.json' && d.parentPath.endsWith(path.join('node', 'etc', 'cks-fake')));
    assert.ok(found, 'the node has a port map');
    nodeRoot = path.resolve(found.parentPath, '..', '..');
    server = http.createServer((req, res) => res.end(`fake listener saw ${req.headers.host}${req.url}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server?.close();
    await cleanupFakeClusters(env);
    fs.rmSync(home, { recursive: true, force: true });
  });

  describe('curl', () => {
    it('reaches a published node port through the real curl, Host header and path unchanged', async () => {
      publishNodePort(nodeRoot, 10255, { host: '127.0.0.1', port });
      for (const url of ['http://127.0.0.1:10255/pods', 'http://localhost:10255/pods', `http://${node}:10255/pods`, 'localhost:10255/pods']) {
        const r = await onNode(`curl -sS ${url}`);
        assert.equal(r.code, 0, `${url}: ${r.stderr}`);
        assert.match(r.stdout, /fake listener saw (127\.0\.0\.1|localhost|tools-control-plane):10255\/pods/);
      }
      const resolved = await onNode('curl -sS --resolve app.example.com:10255:127.0.0.1 http://app.example.com:10255/x');
      assert.equal(resolved.stdout, 'fake listener saw app.example.com:10255/x');
    });

    it('a port published as closed is refused with curl\'s own message and exit code 7', async () => {
      publishNodePort(nodeRoot, 10255, null);
      const r = await onNode('curl -sS http://127.0.0.1:10255/pods');
      assert.equal(r.code, 7);
      assert.match(r.stderr, /Failed to connect to 127\.0\.0\.1 port 10255/);
    });

    it('leaves option values and other addresses alone', async () => {
      publishNodePort(nodeRoot, 10255, { host: '127.0.0.1', port });
      const r = await onNode(`curl -sS -o /tmp/out -H 'X-Url: http://127.0.0.1:9/' -w '%{http_code}' http://127.0.0.1:10255/ok; echo; cat /tmp/out`);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '200\nfake listener saw 127.0.0.1:10255/ok');
      const other = await onNode('curl -sS --max-time 5 http://127.0.0.1:9/');
      assert.equal(other.code, 7, 'an unpublished port is the host\'s: nothing there');
    });
  });

  describe('systemctl', () => {
    before(async () => {
      const unit = ['[Unit]', 'Description=Demo listener', '', '[Service]', 'ExecStart=/bin/sleep 300', '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');
      const r = await onNode(`mkdir -p /lib/systemd/system && printf '%s' '${unit}' > /lib/systemd/system/demo.service`);
      assert.equal(r.code, 0, r.stderr);
    });

    it('enable --now starts the service, is-active/is-enabled/status say so with systemd\'s exit codes', async () => {
      const en = await onNode('systemctl enable --now demo');
      assert.equal(en.code, 0, en.stderr);
      assert.match(en.stderr, /Created symlink \/etc\/systemd\/system\/multi-user\.target\.wants\/demo\.service → \/lib\/systemd\/system\/demo\.service\./);
      assert.deepEqual(await onNode('systemctl is-active demo; systemctl is-enabled demo.service'), { code: 0, stdout: 'active\nenabled\n', stderr: '' });
      const st = await onNode('systemctl status demo');
      assert.equal(st.code, 0);
      assert.match(st.stdout, /● demo\.service - Demo listener\n {5}Loaded: loaded \(\/lib\/systemd\/system\/demo\.service; enabled; preset: enabled\)\n {5}Active: active \(running\) since /);
      const pid = /Main PID: (\d+)/.exec(st.stdout)?.[1];
      assert.ok(pid && (await onNode(`cat /proc/${pid}/cmdline | tr '\\0' ' '`)).stdout.startsWith('/bin/sleep 300'));
    });

    it('mask refuses while a unit file sits in /etc; stop + mask leaves it masked, not startable, not running', async () => {
      const stop = await onNode('systemctl stop demo && systemctl mask demo');
      assert.equal(stop.code, 0, stop.stderr);
      assert.match(stop.stderr, /Created symlink \/etc\/systemd\/system\/demo\.service → \/dev\/null\./);
      const is = await onNode('systemctl is-enabled demo; echo "rc=$?"; systemctl is-active demo; echo "rc=$?"');
      assert.equal(is.stdout, 'masked\nrc=1\ninactive\nrc=3\n');
      const start = await onNode('systemctl start demo');
      assert.equal(start.code, 1);
      assert.equal(start.stderr, 'Failed to start demo.service: Unit demo.service is masked.\n');
      await onNode('systemctl unmask demo && cp /lib/systemd/system/demo.service /etc/systemd/system/demo.service');
      const refused = await onNode('systemctl mask demo');
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, 'Failed to mask unit: File /etc/systemd/system/demo.service already exists.\n');
    });

    it('unknown units and services that die at once fail like systemd', async () => {
      assert.deepEqual(await onNode('systemctl start nope'), { code: 5, stdout: '', stderr: 'Failed to start nope.service: Unit nope.service not found.\n' });
      const unknown = await onNode('systemctl is-enabled nope');
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, 'Failed to get unit file state for nope.service: No such file or directory\n');
      await onNode(`printf '[Service]\\nExecStart=/bin/false\\n' > /etc/systemd/system/broken.service`);
      const broken = await onNode('systemctl start broken');
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /^Job for broken\.service failed because the control process exited with error code\./);
      assert.equal((await onNode('systemctl is-active broken')).stdout, 'failed\n');
    });

    it('hands a delegated unit to its fake component (argv [verb], output and exit code passed through)', async () => {
      const prog = '#!/bin/sh\necho "delegate $1" >> /tmp/delegate.log\n[ "$1" = is-active ] && { echo inactive; exit 3; }\nexit 0\n';
      await onNode(`mkdir -p /usr/local/lib/cks-fake/units && printf '%s' '${prog}' > /usr/local/lib/cks-fake/units/widget.service && chmod +x /usr/local/lib/cks-fake/units/widget.service`);
      const r = await onNode('systemctl restart widget; systemctl is-active widget; echo "rc=$?"; cat /tmp/delegate.log');
      assert.equal(r.stdout, 'inactive\nrc=3\ndelegate restart\ndelegate is-active\n');
    });
  });
});
