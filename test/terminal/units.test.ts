import assert from 'node:assert/strict';
import type { IPty } from 'node-pty';
import { createSilentLogger } from '../../server/log/index.js';
import { FlowGate, HeadlessMirror, NodePtyTerminal, clampSize, incompleteEscapeTail, validCount, validInput } from '../../server/terminal/index.js';
import { RecordingClient, render, sleep, waitFor } from './helpers.js';

describe('terminal building blocks', () => {
  describe('incompleteEscapeTail', () => {
    it('finds a sequence cut at a chunk boundary', () => {
      assert.equal(incompleteEscapeTail('abc\x1b[3'), '\x1b[3');
      assert.equal(incompleteEscapeTail('abc\x1b'), '\x1b');
      assert.equal(incompleteEscapeTail('x\x1b]0;my title'), '\x1b]0;my title');
      assert.equal(incompleteEscapeTail('x\x1b]0;title\x1b'), '\x1b]0;title\x1b');
    });

    it('returns nothing when every sequence is complete', () => {
      assert.equal(incompleteEscapeTail('plain text'), '');
      assert.equal(incompleteEscapeTail('a\x1b[31mred\x1b[0m'), '');
      assert.equal(incompleteEscapeTail('\x1b]0;title\x07prompt$ '), '');
      assert.equal(incompleteEscapeTail('\x1b]0;title\x1b\\prompt$ '), '');
      assert.equal(incompleteEscapeTail('\x1b(Bok'), '');
      assert.equal(incompleteEscapeTail('\x1b[3\x18x'), '', 'CAN aborts a sequence');
    });

  });

  describe('HeadlessMirror', () => {
    const size = { cols: 80, rows: 24 };

    it('includes output written but not parsed yet in a snapshot, exactly once', async () => {
      const mirror = new HeadlessMirror(size, { scrollback: 100, maxReplayChars: 1e6 });
      mirror.write('first\r\n');
      await waitFor(() => mirror.backlog === 0, 'parse');
      mirror.write('second\r\n');
      assert.ok(mirror.backlog > 0, 'xterm parses asynchronously');
      const early = (await render(mirror.snapshot())).join('\n');
      await waitFor(() => mirror.backlog === 0, 'parse');
      const late = (await render(mirror.snapshot())).join('\n');
      for (const screen of [early, late]) {
        assert.equal(screen.split('first').length - 1, 1);
        assert.equal(screen.split('second').length - 1, 1);
      }
      mirror.dispose();
    });

    it('lets live output finish an escape sequence cut before the snapshot', async () => {
      const mirror = new HeadlessMirror(size, { scrollback: 100, maxReplayChars: 1e6 });
      mirror.write('a\x1b[3');
      await waitFor(() => mirror.backlog === 0, 'parse');
      const screen = await render(mirror.snapshot() + '1mred');
      assert.equal(screen[0], 'ared', 'no stray "1m" on screen');
      mirror.dispose();
    });

    it('caps the replay by dropping old scrollback', async () => {
      const mirror = new HeadlessMirror(size, { scrollback: 1000, maxReplayChars: 4000 });
      const lines = Array.from({ length: 800 }, (_, i) => `line ${i}`).join('\r\n');
      mirror.write(lines);
      await waitFor(() => mirror.backlog === 0, 'parse');
      const snapshot = mirror.snapshot();
      assert.ok(snapshot.length <= 4000, `capped (${snapshot.length})`);
      assert.match(snapshot, /line 799/, 'the newest output is kept');
      assert.doesNotMatch(snapshot, /line 10\b/, 'the oldest is dropped');
      mirror.dispose();
    });
  });

  describe('FlowGate', () => {
    it('pauses above the high mark and resumes only below the low mark', () => {
      const events: string[] = [];
      const gate = new FlowGate(
        () => events.push('pause'),
        () => events.push('resume'),
      );
      const client = gate.backlog('client', { high: 100, low: 10 });
      client.set(100);
      assert.deepEqual(events, []);
      client.set(101);
      client.set(150);
      assert.deepEqual(events, ['pause']);
      client.set(50);
      assert.equal(gate.isPaused, true, 'hysteresis: between the marks it stays paused');
      client.set(9);
      assert.deepEqual(events, ['pause', 'resume']);
    });

    it('stays paused while any backlog blocks', () => {
      const events: string[] = [];
      const gate = new FlowGate(
        () => events.push('pause'),
        () => events.push('resume'),
      );
      const a = gate.backlog('a', { high: 100, low: 10 });
      const b = gate.backlog('b', { high: 100, low: 10 });
      a.set(200);
      b.set(200);
      a.set(0);
      assert.equal(gate.isPaused, true);
      b.set(0);
      assert.deepEqual(events, ['pause', 'resume']);
    });
  });

  describe('input validation', () => {
    it('clamps sizes and rejects non-numbers', () => {
      assert.deepEqual(clampSize({ cols: 1e9, rows: 1e9 }), { cols: 500, rows: 200 });
      assert.deepEqual(clampSize({ cols: -1, rows: 0 }), { cols: 10, rows: 4 });
      assert.deepEqual(clampSize({ cols: 120.9, rows: 40.1 }), { cols: 120, rows: 40 });
      assert.equal(clampSize({ cols: NaN, rows: 40 }), null);
      assert.equal(clampSize({ cols: Infinity, rows: 40 }), null);
      assert.equal(clampSize({ cols: '80', rows: 40 }), null);
      assert.equal(clampSize(undefined), null);
    });

    it('accepts bounded strings as input and positive counts as acks', () => {
      assert.equal(validInput('ls\r'), 'ls\r');
      assert.equal(validInput(''), null);
      assert.equal(validInput(5), null);
      assert.equal(validInput('x'.repeat(64 * 1024 + 1)), null);
      assert.equal(validCount(16384), 16384);
      assert.equal(validCount(-5), null);
      assert.equal(validCount(NaN), null);
      assert.equal(validCount('100'), null);
    });
  });

  describe('NodePtyTerminal with a scripted pty', () => {
    /** A pty whose output the test emits chunk by chunk. */
    function scriptedPty() {
      const dataListeners: ((d: string) => void)[] = [];
      const pty = {
        pid: 1,
        onData: (l: (d: string) => void) => (dataListeners.push(l), { dispose: () => undefined }),
        onExit: () => ({ dispose: () => undefined }),
        write: () => undefined,
        resize: () => undefined,
        pause: () => undefined,
        resume: () => undefined,
        kill: () => undefined,
      };
      return { pty: pty as unknown as IPty, emit: (d: string) => dataListeners.forEach((l) => l(d)) };
    }

    it('counts an ack the client sends from inside send(): output after a big message is not held back', async () => {
      const { pty, emit } = scriptedPty();
      const term = new NodePtyTerminal({ id: 't', pty, size: { cols: 80, rows: 24 }, logger: createSilentLogger() });
      try {
        const client = new RecordingClient(); // acks synchronously, inside send()
        const att = term.attach(client);
        client.ack = (n) => att.ack(n);
        emit('y\r\n'.repeat(14_000)); // 42k: one message, above the 32k a client may be behind before output is held
        await waitFor(() => client.received === 42_000, 'the big message');
        await sleep(5);
        emit('PROMPT> ');
        await waitFor(() => client.text.endsWith('PROMPT> '), 'the prompt right after it (a lost ack held it back)', 2000);
      } finally {
        term.dispose();
      }
    });
  });
});
