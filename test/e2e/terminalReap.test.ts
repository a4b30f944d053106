/**
 * A server killed with SIGKILL leaves its terminal processes (`docker exec -it … bash -l` in a
 * pty) running; the next server of the same data dir ends them when it starts.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import type { TerminalClientToServer, TerminalServerToClient } from '../../server/wire/types.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

/** Running and not a zombie (an orphan's zombie may wait a while for its new parent). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Start the platform as its own process; resolves with its URL once it listens. */
function serverProcess(dataDir: string, env: NodeJS.ProcessEnv, terminalEnv: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/e2e/fixtures/platformProcess.ts'), dataDir], {
    cwd: ROOT,
    env: { ...env, CKS_TEST_TERMINAL_ENV: JSON.stringify(terminalEnv) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on('exit', (code) => reject(new Error(`server process exited (${code}): ${err.slice(-2000)}`)));
  });
}

describe('terminals left by a killed server (platform on the fakes, server in its own process)', function () {
  this.timeout(120_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const dataDir = mkdtempSync(join(tmpdir(), 'cks-reap-'));
  const learned: number[] = [];
  let child: ChildProcess | undefined;
  let platform: Platform | undefined;
  let sock: Socket<TerminalServerToClient, TerminalClientToServer> | undefined;

  after(async () => {
    sock?.disconnect();
    child?.kill('SIGKILL');
    await platform?.close();
    // Only if the test failed: the processes this test itself learned about.
    for (const pid of learned) if (running(pid)) process.kill(pid, 'SIGKILL');
    await world.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('kill -9 of the server leaves the learner’s docker exec running; the next start ends it', async () => {
    const first = await serverProcess(dataDir, world.env, world.terminalEnv);
    child = first.child;
    const learner = new Learner(first.url);
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const { session, token } = created.json as { session: { id: string }; token: string };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token })).json.state === 'ready', 'lab ready', 60_000);

    // In the terminal: a command that ignores the hang-up (as `docker exec -it` and busy shells may).
    sock = learner.socket(session.id, token);
    let text = '';
    sock.on('output', (d) => {
      text += d;
      sock?.emit('ack', d.length);
    });
    await waitFor(() => sock?.connected, 'terminal connected');
    sock.emit('input', "trap '' HUP; echo \"PIDS-$((PPID))-$((BASHPID))-END\"; sleep 600\r");
    const m = await waitFor(() => /PIDS-(\d+)-(\d+)-END/.exec(text), 'pids printed', 20_000);
    const dockerExec = Number(m[1]); // the pty's process: `docker exec -it … bash -l`
    const nodeShell = Number(m[2]); // the learner's shell it runs
    learned.push(dockerExec, nodeShell);
    assert.match(readFileSync(`/proc/${dockerExec}/cmdline`, 'utf8'), /docker\0exec\0-it\0/);

    // The server crashes.
    sock.disconnect();
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(running(dockerExec), 'the terminal outlived the killed server (the problem this guards against)');

    // The next server of this data dir ends it (and the shell in its pty) before it serves.
    platform = await startPlatform(loadConfig({ port: '0', dataDir }, { CKS_LOG_LEVEL: 'error' }), createSilentLogger(), { env: world.env, terminalEnv: world.terminalEnv });
    await waitFor(() => !running(dockerExec) && !running(nodeShell), 'old terminal processes gone', 5000);

    // The learner's lab is still there and gets a fresh terminal.
    const again = new Learner(platform.server.url);
    again.cookie = learner.cookie;
    const state = await again.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token });
    assert.equal(state.json.state, 'ready');
  });
});
