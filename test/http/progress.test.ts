/**
 * A learner's progress: the pure computation (server/progress) on hand-made records, and
 * GET /api/progress + /api/curriculum + the catalog's new card fields on the real server and store.
 */
import assert from 'node:assert/strict';
import { learnerProgress } from '../../server/progress/index.js';
import type { ScenarioSummary } from '../../server/scenarios/types.js';
import type { AttemptRecord, SessionRecord } from '../../server/store/types.js';
import { MemoryProbes, solvedInitPod } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { Learner, startTestServer, type TestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

function summary(id: string, domain: string, extra: Partial<ScenarioSummary> = {}): ScenarioSummary {
  return { id, title: `Title of ${id}`, domain, difficulty: 'medium', lab: 'default', timeLimitMinutes: 15, summary: '', taskCount: 1, maxScore: 4, ...extra };
}

function session(id: string, scenarioId: string): SessionRecord {
  return { id, learnerId: 'l', scenarioId, clusterName: `c-${id}`, state: 'ended', secretHash: '', error: null, createdAt: '2026-01-01T00:00:00Z', lastActivityAt: '2026-01-01T00:00:00Z', endedAt: null, seatId: null, params: null, examAttemptId: null, autoCheck: false };
}

function attempt(sessionId: string, score: number, at: string, maxScore = 4): AttemptRecord {
  const passed = score === maxScore;
  return { id: 0, sessionId, createdAt: at, score, maxScore, passed, source: 'learner', result: { scenario: '', passed, score, maxScore, tasks: [], gradedAt: at, durationMs: 1 } };
}

describe('learner progress', () => {
  describe('computed from stored grades', () => {
    const catalog = [
      summary('np', 'Cluster Setup'),
      summary('rbac', 'Cluster Hardening'),
      summary('aa', 'System Hardening', { unavailable: 'no AppArmor here' }),
      summary('sec', 'System Hardening', { difficulty: 'hard' }),
      summary('fp', 'System Hardening', { difficulty: 'easy', timeLimitMinutes: 20 }),
      summary('psa', 'Minimize Microservice Vulnerabilities'),
      summary('init', 'Minimize Microservice Vulnerabilities'),
      summary('trivy', 'Supply Chain Security'),
      summary('audit', 'Monitoring, Logging and Runtime Security'),
    ];

    it('folds every session of a scenario into one record (attempts, best score, passed, last try), leaving out mock exams and removed scenarios', () => {
      const attempts: Record<string, AttemptRecord[]> = {
        s1: [attempt('s1', 1, '2026-01-02T10:00:00Z'), attempt('s1', 3, '2026-01-02T10:05:00Z')],
        s2: [attempt('s2', 4, '2026-01-03T09:00:00Z'), attempt('s2', 2, '2026-01-03T09:30:00Z')],
        s3: [attempt('s3', 0, '2026-01-04T00:00:00Z')],
        gone: [attempt('gone', 4, '2026-01-05T00:00:00Z')],
        exam: [attempt('exam', 4, '2026-01-06T00:00:00Z')],
      };
      const examSession = { ...session('exam', 'trivy'), examAttemptId: 'attempt-1' };
      const p = learnerProgress({ scenarios: catalog, sessions: [session('s1', 'psa'), session('s2', 'psa'), session('s3', 'np'), session('gone', 'removed-scenario'), examSession], attemptsOf: (id) => attempts[id] ?? [] });
      assert.deepEqual(p.scenarios, [
        { scenarioId: 'np', attempts: 1, bestScore: 0, maxScore: 4, passed: false, lastTriedAt: '2026-01-04T00:00:00Z' },
        { scenarioId: 'psa', attempts: 4, bestScore: 4, maxScore: 4, passed: true, lastTriedAt: '2026-01-03T09:30:00Z' },
      ]);
      const mmv = p.domains.find((d) => d.domain === 'Minimize Microservice Vulnerabilities');
      assert.deepEqual(mmv, { domain: 'Minimize Microservice Vulnerabilities', weight: 20, total: 2, passed: 1, attempted: 1 });
      assert.deepEqual(p.domains.find((d) => d.domain === 'Cluster Setup'), { domain: 'Cluster Setup', weight: 15, total: 1, passed: 0, attempted: 1 });
      assert.equal(p.readinessPercent, 10, '20 % × 1/2');
    });

    it('suggests the domain with the most exam weight not yet practised, skipping what this host cannot run; the easiest first', () => {
      const none = learnerProgress({ scenarios: catalog, sessions: [], attemptsOf: () => [] });
      // 20 % domains tie at 20 points at stake: the first in curriculum order.
      assert.equal(none.suggestedNext?.domain, 'Minimize Microservice Vulnerabilities');
      assert.equal(none.readinessPercent, 0);
      assert.match(none.suggestedNext?.reason ?? '', /Minimize Microservice Vulnerabilities is your weakest domain: 0 of 2 passed, and it is 20 % of the exam/);

      const passed = (ids: string[]) => {
        const sessions = ids.map((id) => session(`s-${id}`, id));
        return learnerProgress({ scenarios: catalog, sessions, attemptsOf: (sid) => [attempt(sid, 4, '2026-01-01T00:00:00Z')] });
      };
      // MMV half done (10 at stake), Supply Chain and Monitoring untouched (20 each): Supply Chain first.
      assert.deepEqual(passed(['psa']).suggestedNext && { id: passed(['psa']).suggestedNext!.scenarioId, domain: passed(['psa']).suggestedNext!.domain }, { id: 'trivy', domain: 'Supply Chain Security' });
      // Everything but System Hardening and Cluster Hardening passed: 15 vs 10×(1−0/3): Cluster Hardening.
      assert.equal(passed(['np', 'psa', 'init', 'trivy', 'audit']).suggestedNext?.scenarioId, 'rbac');
      // In System Hardening the AppArmor lab is unavailable here: the easy one first, then the hard one.
      assert.equal(passed(['np', 'rbac', 'psa', 'init', 'trivy', 'audit']).suggestedNext?.scenarioId, 'fp');
      assert.equal(passed(['np', 'rbac', 'psa', 'init', 'trivy', 'audit', 'fp']).suggestedNext?.scenarioId, 'sec');
      // All that this host can run is passed: nothing to suggest.
      const all = passed(['np', 'rbac', 'psa', 'init', 'trivy', 'audit', 'fp', 'sec']);
      assert.equal(all.suggestedNext, null);
      assert.equal(all.readinessPercent, Math.round(15 + 15 + (10 * 2) / 3 + 20 + 20 + 20));
    });
  });

  describe('over HTTP (real server and store)', () => {
    let srv: TestServer;
    let probes: MemoryProbes;

    before(async () => {
      const provider = new MemoryProvider();
      provider.unsupported.set('apparmor', 'no AppArmor on this host');
      probes = new MemoryProbes();
      srv = await startTestServer({ provider, probesFor: () => probes });
    });
    after(async () => {
      await srv?.close();
    });

    it('reports the caller’s stored grades only, and zeros for a new learner', async () => {
      const ann = new Learner(srv.url);
      const created = await ann.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
      assert.equal(created.status, 201);
      const { session: s, token } = created.json as { session: { id: string }; token: string };
      const h = { 'x-session-token': token };
      await waitFor(async () => (await ann.request('GET', `/api/sessions/${s.id}`, undefined, h)).json.state === 'ready', 'ready');
      assert.equal((await ann.request('POST', `/api/sessions/${s.id}/grade`, undefined, h)).json.passed, false);
      probes.put(solvedInitPod());
      probes.podExecHandler = () => ({ exitCode: 0, stdout: 'prepared by init', stderr: '' });
      assert.equal((await ann.request('POST', `/api/sessions/${s.id}/grade`, undefined, h)).json.passed, true);

      const mine = await ann.request('GET', '/api/progress');
      assert.equal(mine.status, 200);
      assert.equal(mine.json.scenarios.length, 1);
      const rec = mine.json.scenarios[0];
      assert.deepEqual({ ...rec, lastTriedAt: typeof rec.lastTriedAt }, { scenarioId: 'init-containers', attempts: 2, bestScore: 8, maxScore: 8, passed: true, lastTriedAt: 'string' });
      const mmv = mine.json.domains.find((d: { domain: string }) => d.domain === 'Minimize Microservice Vulnerabilities');
      assert.equal(mmv.passed, 1);
      assert.equal(mmv.weight, 20);
      assert.ok(mmv.total >= 8);
      assert.notEqual(mine.json.suggestedNext.domain, 'Minimize Microservice Vulnerabilities');

      const stranger = await new Learner(srv.url).request('GET', '/api/progress');
      assert.deepEqual(stranger.json.scenarios, []);
      assert.ok(stranger.json.domains.every((d: { passed: number; attempted: number }) => d.passed === 0 && d.attempted === 0));
      assert.equal(stranger.json.readinessPercent, 0);
    });

    it('gives each card its topics and what its lab needs; the curriculum lists every competency', async () => {
      const l = new Learner(srv.url);
      const cards = (await l.request('GET', '/api/scenarios')).json.scenarios as { id: string; competencies: string[]; labNeeds: string[]; unavailable?: string }[];
      const apparmor = cards.find((c) => c.id === 'apparmor')!;
      assert.deepEqual(apparmor.competencies, ['AppArmor']);
      assert.deepEqual(apparmor.labNeeds, ['1 node', 'its own node image (built once)', 'a host with AppArmor', 'a rootful container engine', 'one at a time per host']);
      assert.equal(apparmor.unavailable, 'no AppArmor on this host');
      assert.ok(cards.find((c) => c.id === 'k8s-upgrade')!.labNeeds[0]!.startsWith('2 nodes'));
      assert.ok(cards.every((c) => c.competencies.length > 0), 'every card has a topic');

      const cur = (await l.request('GET', '/api/curriculum')).json as { domains: { domain: string; weight: number; competencies: { id: string; scenarios: string[] }[] }[] };
      assert.deepEqual(cur.domains.map((d) => d.weight), [15, 15, 10, 20, 20, 20]);
      const np = cur.domains[0]!.competencies.find((c) => c.id === 'network-policy')!;
      assert.deepEqual(np.scenarios, ['netpol-default-deny']);
      const ids = new Set(cards.map((c) => c.id));
      assert.ok(cur.domains.flatMap((d) => d.competencies).every((c) => c.scenarios.every((id) => ids.has(id))), 'only scenarios this server has');
    });
  });
});
