import assert from 'node:assert/strict';
import { MAX_INPUT_CHARS } from '../../server/terminal/index.js';
import {
  PROMPT,
  RecordingClient,
  TerminalHarness,
  alive,
  leakedSince,
  render,
  resourceCounts,
  sleep,
  waitFor,
} from './helpers.js';

const HIGH = 128 * 1024;

describe('NodePtyTerminal (real pty running bash)', function () {
  this.timeout(20_000);
  let harness: TerminalHarness;
  let baseline: Map<string, number>;

  beforeEach(async () => {
    await sleep(0); // compare like with like: an async hook has mocha's timeout timer
    baseline = resourceCounts();
    harness = new TerminalHarness();
  });

  afterEach(async () => {
    await harness.disposeAll();
    // Every pty, timer and immediate must be gone once the terminals are disposed.
    await waitFor(() => leakedSince(baseline).length === 0, () => `no leaked handles (${leakedSince(baseline).join(', ')})`, 3000);
  });

  /** Attach an auto-acking client and wait for the first prompt. */
  async function ready(client = new RecordingClient()) {
    const term = harness.shell();
    const att = term.attach(client);
    client.ack = (n) => att.ack(n);
    await waitFor(() => (att.replay + client.text).includes(PROMPT), 'the prompt');
    return { term, att, client };
  }

  it('echoes typed input and runs it', async () => {
    const { att, client } = await ready();
    att.write('echo hello-$((6*7))\r');
    await waitFor(() => client.text.includes('hello-42'), 'command output');
    assert.match(client.text, /echo hello-\$\(\(6\*7\)\)/, 'the typed command is echoed');
  });

  it('replays earlier output on re-attach, with nothing lost or shown twice', async () => {
    const { term, att, client } = await ready();
    att.write('echo one$((0+1)); sleep 0.3; echo two$((1+1))\r');
    await waitFor(() => client.text.includes('one1'), 'first output');
    att.detach();
    assert.equal(term.attached, false);
    await sleep(500); // `two2` is printed while nobody is attached

    const second = new RecordingClient();
    const att2 = term.attach(second);
    second.ack = (n) => att2.ack(n);
    assert.match(att2.replay, /one1/);
    assert.match(att2.replay, /two2/);
    att2.write('echo three$((1+2))\r');
    await waitFor(() => second.text.includes('three3'), 'live output after re-attach');
    assert.doesNotMatch(second.text, /one1|two2/, 'earlier output is not sent live again');

    const screen = (await render(att2.replay + second.text)).join('\n');
    for (const marker of ['one1', 'two2', 'three3']) {
      assert.equal(screen.split(marker).length - 1, 1, `${marker} appears exactly once on the rebuilt screen`);
    }
  });

  it('keeps replay + live output exact when clients switch during heavy output', async () => {
    const { term, att } = await ready();
    att.write('seq 1 30000; echo done$((2*2))\r');
    let last = new RecordingClient();
    let lastAtt = term.attach(last);
    last.ack = (n) => lastAtt.ack(n);
    // Re-attach a new client every few ms while output streams.
    while (!(lastAtt.replay + last.text).includes('done4')) {
      await sleep(3);
      const next = new RecordingClient();
      const nextAtt = term.attach(next);
      next.ack = (n) => nextAtt.ack(n);
      last = next;
      lastAtt = nextAtt;
    }
    const lines = (await render(lastAtt.replay + last.text)).filter((l) => /^\d+$/.test(l)).map(Number);
    assert.ok(lines.length >= 900, `scrollback replayed (${lines.length} lines)`);
    assert.equal(lines.at(-1), 30000);
    lines.forEach((n, i) => {
      if (i > 0) assert.equal(n, (lines[i - 1] ?? 0) + 1, `line ${i}: no gap or duplicate`);
    });
  });

  it('pauses the pty when the client does not ack, and resumes on ack', async () => {
    const client = new RecordingClient(false);
    const term = harness.shell();
    const att = term.attach(client);
    await waitFor(() => client.text.includes(PROMPT), 'the prompt');
    att.ack(client.received);
    att.write('yes\r');
    await waitFor(() => term.paused, 'flow control to pause the pty');
    await sleep(300);
    const atPause = client.received;
    await sleep(300);
    assert.equal(client.received, atPause, 'output stops growing while paused');
    assert.ok(atPause <= HIGH + 128 * 1024, `at most one read past the high mark (${atPause})`);

    att.ack(client.received);
    assert.equal(term.paused, false, 'acking below the low mark resumes');
    await waitFor(() => client.received > atPause + 1000, 'output to flow again');
    att.write('\x03');
    client.ack = (n) => att.ack(n);
    att.ack(client.received);
  });

  it('keeps reading while no client is attached, into the mirror only', async () => {
    const { term, att } = await ready();
    att.write('yes | head -c 3000000; echo fin$((1+1))\r');
    att.detach();
    const replayHas = (marker: string): boolean => {
      const watch = term.watch(new RecordingClient());
      watch.stop();
      return watch.replay.includes(marker);
    };
    await waitFor(() => replayHas('fin2'), 'the command to finish with nobody attached', 10_000);
    assert.equal(term.paused, false);
    const client = new RecordingClient();
    assert.match(term.attach(client).replay, /fin2/);
  });

  it('gets the prompt back after Ctrl-C under `yes` once the client acks (how fast: npm run bench)', async function () {
    // Starting `yes` until the pty pauses takes its own time on a loaded 2-core machine running test files in
    // parallel; the Ctrl-C bound below is unchanged.
    this.timeout(60_000);
    const client = new RecordingClient(false);
    const term = harness.shell();
    const att = term.attach(client);
    await waitFor(() => client.text.includes(PROMPT), 'the prompt');
    att.ack(client.received);
    att.write('yes\r');
    await waitFor(() => term.paused, 'flow control to pause the pty');

    att.write('\x03');
    const seen = client.chunks.length;
    // From here the client acks every message, like the browser does.
    client.autoAck = true;
    client.ack = (n) => att.ack(n);
    att.ack(client.received);
    // Without the ack the pty stays paused and the prompt never comes; the bound is for a loaded CI machine.
    await waitFor(() => client.chunks.slice(seen).join('').includes(PROMPT), 'the prompt after Ctrl-C', 20_000);
    att.write('echo back$((1+1))\r');
    await waitFor(() => client.text.includes('back2'), 'the shell to run commands again');
  });

  it('ignores bad resizes and clamps huge ones without throwing', async () => {
    const { term, att, client } = await ready();
    assert.doesNotThrow(() => {
      att.resize({ cols: NaN, rows: 30 });
      att.resize({ cols: 'wide', rows: 30 });
      att.resize(null);
      att.resize('120x40');
    });
    assert.deepEqual(term.size, { cols: 80, rows: 24 }, 'invalid sizes are ignored');
    att.resize({ cols: 1e9, rows: 1e9 });
    assert.deepEqual(term.size, { cols: 500, rows: 200 });
    att.resize({ cols: 0.5, rows: -3 });
    assert.deepEqual(term.size, { cols: 10, rows: 4 });
    att.resize({ cols: 100.7, rows: 33.2 });
    assert.deepEqual(term.size, { cols: 100, rows: 33 });
    att.write('stty size\r');
    await waitFor(() => client.text.includes('33 100'), 'the pty to have the clamped size');
  });

  it('clamps a bad initial size', async () => {
    const t = harness.factory.create('bad-size', ['bash', '--norc', '--noprofile', '-i'], { cols: NaN, rows: 1e9 });
    harness.created.push(t);
    assert.deepEqual(t.size, { cols: 80, rows: 24 });
  });

  it('drops invalid input and input from a replaced client', async () => {
    const { term, att, client } = await ready();
    assert.doesNotThrow(() => {
      att.write(42);
      att.write({ data: 'x' });
      att.write('x'.repeat(MAX_INPUT_CHARS + 1));
    });
    const second = new RecordingClient();
    const att2 = term.attach(second);
    second.ack = (n) => att2.ack(n);
    assert.equal(client.detachedCount, 1, 'the replaced client is told');
    att.write('echo stale$((1+1))\r');
    att2.write('echo fresh$((1+1))\r');
    await waitFor(() => second.text.includes('fresh2'), 'input of the new client');
    assert.doesNotMatch(second.text, /stale2/);
    assert.doesNotMatch(second.text, /x{100}/, 'oversized input never reached the shell');
    assert.equal(client.text.includes('fresh2'), false, 'the replaced client gets no more output');
  });

  it('propagates exit to the client, also to one attaching afterwards', async () => {
    const { term, att, client } = await ready();
    att.write('exit 3\r');
    await waitFor(() => client.exits.length === 1, 'exit');
    assert.deepEqual(client.exits, [3]);
    assert.equal(term.exited, true);
    const late = new RecordingClient();
    const lateAtt = term.attach(late);
    assert.match(lateAtt.replay, /exit 3/);
    assert.deepEqual(late.exits, [], 'exit comes after the caller wrote the replay');
    await Promise.resolve();
    assert.deepEqual(late.exits, [3]);
  });

  it('disposes after the grace period without a client, and calls onIdleExpire', async () => {
    harness = new TerminalHarness({ graceMs: 150 });
    let expired = 0;
    const term = harness.shell({ onIdleExpire: () => expired++ });
    const client = new RecordingClient();
    const att = term.attach(client);
    await waitFor(() => client.text.includes(PROMPT), 'the prompt');
    att.detach();
    await waitFor(() => expired === 1, 'grace expiry', 2000);
    await waitFor(() => !alive(term.pid), 'the process to be gone');
    // node-pty reports the exit a moment after the process is gone (seen under load in CI).
    await waitFor(() => term.exited, 'the terminal to see its exit', 2000);
  });

  it('re-attaching within the grace period keeps the terminal', async () => {
    harness = new TerminalHarness({ graceMs: 200 });
    let expired = 0;
    const term = harness.shell({ onIdleExpire: () => expired++ });
    term.attach(new RecordingClient()).detach();
    await sleep(100);
    const client = new RecordingClient();
    const att = term.attach(client);
    client.ack = (n) => att.ack(n);
    await sleep(300);
    assert.equal(expired, 0);
    att.write('echo alive$((1+1))\r');
    await waitFor(() => client.text.includes('alive2'), 'the shell to still answer');
  });

  it('dispose kills the process, also one that ignores SIGHUP', async () => {
    const { term, att, client } = await ready();
    const pid = term.pid;
    assert.ok(alive(pid));
    att.write("trap '' HUP; echo trapped$((1+1))\r");
    await waitFor(() => client.text.includes('trapped2'), 'the trap');
    term.dispose();
    term.dispose(); // idempotent
    assert.deepEqual(client.exits, [null], 'the attached client is told');
    await waitFor(() => !alive(pid), 'SIGKILL after the kill timeout', 3000);
    await waitFor(() => term.exited, 'node-pty to report the exit');
  });

  it('lets a watcher see the replay and live output without pausing the pty', async () => {
    harness = new TerminalHarness({ watcherMaxChars: 64 * 1024 });
    const { term, att, client } = await ready();
    att.write('echo before$((1+1))\r');
    await waitFor(() => client.text.includes('before2'), 'output');
    const watcher = new RecordingClient(false);
    const watch = term.watch(watcher);
    assert.match(watch.replay, /before2/);
    assert.equal('write' in watch, false, 'a watcher cannot write');

    att.write('yes | head -c 2000000; echo after$((1+1))\r');
    await waitFor(() => client.text.includes('after2'), 'all output to reach the client');
    assert.ok(watcher.received <= 64 * 1024, 'a lagging watcher stops receiving');

    watch.ack(watcher.received);
    await waitFor(() => watcher.text.includes('after2'), 'the watcher to be resynchronised');
    assert.ok(watcher.text.includes('\x1bc'), 'resync starts with a reset');
    watch.stop();
    watch.stop();
  });
});
