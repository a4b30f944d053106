/**
 * The terminal ledger: every terminal process is written down in the data dir, and a start-up
 * after a crash ends only processes that are provably that earlier server's terminals.
 * (The whole story — a platform killed with SIGKILL and started again — is test/e2e/terminalReap.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../server/log/index.js';
import { FileTerminalLedger, NodePtyTerminalFactory, TERMINAL_RUN_VAR, linuxProcesses } from '../../server/terminal/index.js';
import { SHELL, waitFor } from './helpers.js';

/** Running and not a zombie. */
function running(pid: number): boolean {
  const st = linuxProcesses.stat(pid);
  return st !== null && st.state !== 'Z';
}

describe('terminal process ledger (reaping after a crash)', function () {
  this.timeout(20_000);
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cks-ledger-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.pid && running(c.pid)) process.kill(-c.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A process in a session of its own (like a pty's), with `env`; `ignoreTerm` makes it ignore SIGTERM too. */
  function processWith(env: Record<string, string>, ignoreTerm = false): number {
    const script = ignoreTerm ? "trap '' TERM HUP; sleep 30 & wait; sleep 30" : 'sleep 30';
    const c = spawn('bash', ['-c', script], { env: { ...process.env, ...env }, detached: true, stdio: 'ignore' });
    children.push(c);
    return c.pid as number;
  }

  /** What a server that died (not this process) wrote for `pid` in its run `run`. */
  function recordOfDeadServer(pid: number, run: string, startTicks = linuxProcesses.stat(pid)!.startTicks): void {
    const me = linuxProcesses.stat(process.pid)!;
    const rec = { pid, startTicks, bootId: linuxProcesses.bootId(), run, server: { pid: process.pid, startTicks: me.startTicks - 1 } };
    writeFileSync(join(dir, `${pid}.json`), JSON.stringify(rec));
  }

  const ledger = (killTimeoutMs = 300) => new FileTerminalLedger({ dir, logger: createSilentLogger(), killTimeoutMs });

  it('writes each terminal down while it runs, with the run’s marker in its environment', async () => {
    const l = ledger();
    const factory = new NodePtyTerminalFactory({ logger: createSilentLogger(), killTimeoutMs: 300, ledger: l });
    const t = factory.create('t1', SHELL, { cols: 80, rows: 24 });
    try {
      assert.deepEqual(readdirSync(dir), [`${t.pid}.json`]);
      await waitFor(() => (linuxProcesses.environ(t.pid) ?? []).includes(`${TERMINAL_RUN_VAR}=${l.env[TERMINAL_RUN_VAR]}`), 'marker in the environment');
    } finally {
      t.dispose();
    }
    await waitFor(() => t.exited, 'exit');
    await waitFor(() => readdirSync(dir).length === 0, 'forgotten once it exited');
  });

  it('ends an orphaned terminal and everything in its session, SIGKILL when SIGTERM is ignored', async () => {
    const pid = processWith({ [TERMINAL_RUN_VAR]: 'deadrun' }, true);
    await waitFor(() => (linuxProcesses.environ(pid) ?? []).length > 0, 'started');
    const inSession = () => linuxProcesses.pids().filter((p) => linuxProcesses.stat(p)?.session === pid && running(p));
    await waitFor(() => inSession().length >= 2, 'shell and its sleep');
    const members = inSession();
    recordOfDeadServer(pid, 'deadrun');
    assert.deepEqual(await ledger().reapOrphans(), [pid]);
    await waitFor(() => members.every((p) => !running(p)), 'the whole session ended');
    assert.equal(existsSync(join(dir, `${pid}.json`)), false);
  });

  it('never ends a process that is not provably that server’s terminal', async () => {
    // Another program (no marker, or another run's): e.g. a pid reused after the terminal exited.
    const stranger = processWith({});
    const otherRun = processWith({ [TERMINAL_RUN_VAR]: 'someone-else' });
    // Same marker, but another start time: the recorded process is gone and its pid was reused.
    const reused = processWith({ [TERMINAL_RUN_VAR]: 'deadrun' });
    await waitFor(() => [stranger, otherRun, reused].every((p) => (linuxProcesses.environ(p) ?? []).length > 0), 'started');
    recordOfDeadServer(stranger, 'deadrun');
    recordOfDeadServer(otherRun, 'deadrun');
    recordOfDeadServer(reused, 'deadrun', linuxProcesses.stat(reused)!.startTicks - 1);
    assert.deepEqual(await ledger().reapOrphans(), []);
    for (const p of [stranger, otherRun, reused]) assert.ok(running(p), `pid ${p} left alone`);
    assert.deepEqual(readdirSync(dir), [], 'their stale records are dropped');
  });

  it('leaves the terminals of a server that still runs on this data dir alone', async () => {
    const first = ledger();
    const pid = processWith(first.env);
    await waitFor(() => (linuxProcesses.environ(pid) ?? []).length > 0, 'started');
    first.record(pid); // recorded by a server that is alive (this process)
    const second = ledger();
    assert.deepEqual(await second.reapOrphans(), []);
    assert.ok(running(pid));
    assert.deepEqual(readdirSync(dir), [`${pid}.json`], 'its record stays for when that server dies');
  });
});
