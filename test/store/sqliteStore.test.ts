import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradeResult } from '../../server/grading/types.js';
import { SqliteStore } from '../../server/store/index.js';

function grade(score: number): GradeResult {
  return { scenario: 's', passed: score === 2, score, maxScore: 2, tasks: [], gradedAt: new Date().toISOString(), durationMs: 5 };
}

describe('SqliteStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cks-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps sessions and attempts across a reopen (a server restart loses nothing)', () => {
    const file = join(dir, 'db', 'cks.db');
    const a = new SqliteStore(file);
    a.createLearner('L1');
    a.createSession({ id: 's1', learnerId: 'L1', scenarioId: 'init-containers', clusterName: 'cks-aa', state: 'provisioning', secretHash: 'h' });
    a.updateSessionState('s1', 'ready');
    a.addAttempt('s1', grade(1));
    a.addAttempt('s1', grade(2));
    a.close();

    const b = new SqliteStore(file);
    const s = b.getSession('s1');
    assert.equal(s?.state, 'ready');
    assert.equal(s?.clusterName, 'cks-aa');
    assert.deepEqual(b.listAttempts('s1').map((x) => x.score), [1, 2]);
    assert.equal(b.latestAttempt('s1')?.passed, true);
    assert.equal(b.latestAttempt('s1')?.result.scenario, 's');
    b.close();
  });

  it('filters sessions by learner and state and records when a session ended', () => {
    const st = new SqliteStore(':memory:');
    st.createLearner('L1');
    st.createLearner('L2');
    st.createSession({ id: 'a', learnerId: 'L1', scenarioId: 'x', clusterName: 'cks-a', state: 'ready', secretHash: 'h' });
    st.createSession({ id: 'b', learnerId: 'L2', scenarioId: 'x', clusterName: 'cks-b', state: 'ready', secretHash: 'h' });
    st.updateSessionState('a', 'ended', 'stopped');
    assert.deepEqual(st.listSessions({ learnerId: 'L1' }).map((s) => s.id), ['a']);
    assert.deepEqual(st.listSessions({ states: ['ready'] }).map((s) => s.id), ['b']);
    const a = st.getSession('a');
    assert.equal(a?.error, 'stopped');
    assert.ok(a?.endedAt);
    assert.equal(st.getSession('missing'), null);
    st.close();
  });

  it('refuses two sessions on one cluster name', () => {
    const st = new SqliteStore(':memory:');
    st.createLearner('L1');
    st.createSession({ id: 'a', learnerId: 'L1', scenarioId: 'x', clusterName: 'cks-a', state: 'ready', secretHash: 'h' });
    assert.throws(() => st.createSession({ id: 'b', learnerId: 'L1', scenarioId: 'x', clusterName: 'cks-a', state: 'ready', secretHash: 'h' }));
    st.close();
  });
});
