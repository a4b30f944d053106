import assert from 'node:assert/strict';
import xtermHeadless from '@xterm/headless';
import { HeadlessMirror } from '../../server/terminal/index.js';
import { render, waitFor } from './helpers.js';

describe('HeadlessMirror parses lazily', () => {
  const size = { cols: 80, rows: 24 };

  it('parses interactive output once the pty is quiet, and the replay is exact before and after', async () => {
    const mirror = new HeadlessMirror(size, { scrollback: 100, maxReplayChars: 1e6, idleParseMs: 40 });
    mirror.write('$ kubectl get ns\r\n');
    mirror.write('\x1b[1mNAME\x1b[0m   STATUS\r\ndefault   Active\r\n$ ');
    const before = (await render(mirror.snapshot())).join('\n');
    assert.ok(mirror.backlog > 0, 'nothing parsed while output keeps coming');
    await waitFor(() => mirror.backlog === 0, 'idle parse');
    const after = (await render(mirror.snapshot())).join('\n');
    assert.equal(after, before);
    assert.match(after, /default\s+Active/);
    mirror.dispose();
  });

  it('folds a long burst into the last part of it: the screen is right and memory stays bounded', async () => {
    const mirror = new HeadlessMirror(size, { scrollback: 1000, maxReplayChars: 1e6, rebaseAtChars: 200_000, rebaseKeepChars: 50_000 });
    let peak = 0;
    for (let i = 1; i <= 100_000; i++) {
      mirror.write(`line ${i}\r\n`);
      peak = Math.max(peak, mirror.backlog);
    }
    assert.ok(peak <= 200_000 + 20, `the unparsed backlog stayed bounded (peak ${peak})`);
    const screen = await render(mirror.snapshot());
    const visible = screen.filter((l) => l.trim() !== '');
    assert.equal(visible[visible.length - 1]?.trim(), 'line 100000', 'the last line of the burst is on screen');
    // Lines right before the end are in order, none missing.
    const tail = visible.slice(-10).map((l) => Number(l.trim().split(' ')[1]));
    assert.deepEqual(tail, Array.from({ length: 10 }, (_, k) => 99_991 + k));
    mirror.dispose();
  });

  it('parses at the old size before a resize, like a terminal that saw the output live', async () => {
    const text = 'ab\x1b[5Gcd\x1b[20Gxy\r\nshort\r\n';
    const mirror = new HeadlessMirror({ cols: 10, rows: 5 }, { scrollback: 10, maxReplayChars: 1e6, idleParseMs: 1000 });
    mirror.write(text);
    mirror.resize({ cols: 40, rows: 5 });
    await waitFor(() => mirror.backlog === 0, 'parse');
    // A live terminal: the output at 10 columns (the cursor move is clamped to column 10), then the resize.
    const live = new xtermHeadless.Terminal({ cols: 10, rows: 5, scrollback: 10, allowProposedApi: true });
    await new Promise<void>((r) => live.write(text, r));
    live.resize(40, 5);
    const expected: string[] = [];
    for (let i = 0; i < live.buffer.active.length; i++) expected.push(live.buffer.active.getLine(i)?.translateToString(true) ?? '');
    live.dispose();
    const screen = await render(mirror.snapshot(), 40, 5);
    assert.deepEqual(screen.filter((l) => l.trim()), expected.filter((l) => l.trim()));
    mirror.dispose();
  });
});
