/**
 * The one door to kind/docker/kubectl bounds what comes back: a command whose output never ends
 * (a learner left a huge file that a check cats) is stopped at the cap instead of filling memory.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../server/log/index.js';
import { ExecRunner } from '../../server/process/index.js';

describe('ExecRunner', () => {
  const bin = mkdtempSync(join(tmpdir(), 'cks-runner-'));
  // A stand-in `kubectl` that prints without end (as `cat` of a learner's endless file would).
  writeFileSync(join(bin, 'kubectl'), '#!/bin/sh\nexec yes "0123456789abcdef"\n');
  chmodSync(join(bin, 'kubectl'), 0o755);
  writeFileSync(join(bin, 'kind'), '#!/bin/sh\necho "$@"; echo warn >&2\n');
  chmodSync(join(bin, 'kind'), 0o755);
  const runner = new ExecRunner(createSilentLogger(), { PATH: `${bin}:/usr/bin:/bin` });
  after(() => rmSync(bin, { recursive: true, force: true }));

  it('stops a command at the output cap and says so, keeping what came before', async () => {
    const res = await runner.run('kubectl', ['get', 'x'], { maxOutputBytes: 1 << 20, timeoutMs: 20_000 });
    assert.equal(res.timedOut, false, 'stopped by the cap, not by the timeout');
    assert.equal(res.code, null, 'killed');
    assert.equal(res.stdoutBuffer.length, 1 << 20);
    assert.match(res.stderr, /kubectl: output cut at 1 MiB and the command stopped/);
  });

  it('passes ordinary output through whole', async () => {
    const res = await runner.run('kind', ['get', 'clusters']);
    assert.deepEqual([res.code, res.stdout, res.stderr], [0, 'get clusters\n', 'warn\n']);
  });
});
