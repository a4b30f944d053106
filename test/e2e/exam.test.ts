/**
 * ⚑ Exam mode through the real platform on the fakes: a learner starts a mock exam, its clusters
 * are provisioned and the server's clock starts; no result is given during the exam (not even
 * through a cluster's own Check); Finish (pressed twice at once) grades every question on its own
 * cluster exactly once; an exam whose time runs out while the server is down is graded at start-up.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config/index.js';
import { createSilentLogger } from '../../server/log/index.js';
import { startPlatform, type Platform } from '../../server/platform/index.js';
import { runNodeScript } from '../../server/proving/index.js';
import { applyParams, loadCatalog, ScenarioCatalog, scriptEnv } from '../../server/scenarios/index.js';
import type { ExamAttemptDto } from '../../server/wire/exam.js';
import { fakeClusterWorld } from '../helpers/fakeCluster.js';
import { Learner, ROOT } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

describe('mock exam on the real platform (fakes)', function () {
  this.timeout(240_000);
  const world = fakeClusterWorld({ phaseDelayMs: 5 });
  const work = mkdtempSync(join(tmpdir(), 'cks-exam-'));
  const examsDir = join(work, 'exams');
  mkdirSync(examsDir);
  cpSync(join(ROOT, 'exams', 'starter-fixed.yaml'), join(examsDir, 'starter-fixed.yaml'));
  writeFileSync(join(examsDir, 'quick.yaml'), 'id: quick\ntitle: Quick\ndurationMinutes: 10\nreviewMinutes: 60\nquestions:\n  - scenario: init-containers\n');
  const MINUTE_MS = 300; // a 10-minute exam lasts 3 s here
  let platform: Platform | undefined;
  const start = (minuteMs = 60_000) =>
    startPlatform(loadConfig({ port: '0', dataDir: join(work, 'data') }, { CKS_EXAMS_DIR: examsDir, CKS_LOG_LEVEL: 'error' }), createSilentLogger(), { env: world.env, examMinuteMs: minuteMs });

  after(async () => {
    await platform?.close();
    await world.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  const attempt = async (l: Learner, id: string): Promise<ExamAttemptDto> => (await l.request('GET', `/api/exams/attempts/${id}`)).json as ExamAttemptDto;

  it('start → clusters ready, clock running → no result during the exam → Finish grades every question once', async () => {
    platform = await start();
    const learner = new Learner(platform.server.url);
    const list = (await learner.request('GET', '/api/exams')).json.exams as { id: string; questions: number; clusters: number; memoryMiB: number }[];
    assert.deepEqual(list.find((e) => e.id === 'starter-fixed'), { id: 'starter-fixed', title: 'Starter mock exam (fixed questions)', description: list.find((e) => e.id === 'starter-fixed')!['description' as 'id'], durationMinutes: 40, passPercent: 67, questions: 4, clusters: 2, memoryMiB: 2048 });

    const bad = await learner.request('POST', '/api/exams', { exam: 'nope' });
    assert.equal(bad.status, 404);
    assert.equal(bad.json.error.field, 'exam');
    const started = await learner.request('POST', '/api/exams', { exam: 'starter-fixed' });
    assert.equal(started.status, 201, JSON.stringify(started.json));
    const { id, url } = started.json as { id: string; url: string };
    assert.equal(url, `/exam/${id}`);
    assert.equal((await learner.request('POST', '/api/exams', { exam: 'quick' })).status, 409, 'one exam at a time');
    assert.equal((await new Learner(platform.server.url).request('GET', `/api/exams/attempts/${id}`)).status, 404, 'another learner cannot see it');

    await waitFor(async () => (await attempt(learner, id)).state === 'running', 'exam running', 120_000);
    const a = await attempt(learner, id);
    assert.equal(a.title, 'Starter mock exam (fixed questions)');
    assert.ok(a.remainingMs !== null && a.remainingMs <= 40 * 60_000 && a.remainingMs > 39 * 60_000, `server clock: ${a.remainingMs}`);
    assert.deepEqual(a.questions.map((q) => [q.number, q.cluster]), [[1, 'cks1'], [2, 'cks1'], [3, 'cks2'], [4, 'cks1']]);
    assert.ok(a.questions.every((q) => q.instructions.length > 0 && q.result === undefined), 'no results during the exam');
    assert.equal(a.result, undefined);
    assert.equal((await learner.request('GET', '/api/sessions')).json.sessions.length, 0, 'exam clusters are not practice labs');

    // As on the exam, every cluster is a kubectl context on every exam node (the node's own is current).
    const cks1 = a.clusters.find((c) => c.name === 'cks1')!;
    const cks2 = a.clusters.find((c) => c.name === 'cks2')!;
    const node1 = platform.sessions.get(cks1.sessionId!)!.clusterName;
    const node2 = platform.sessions.get(cks2.sessionId!)!.clusterName;
    assert.deepEqual(cks1.nodes, [{ name: `${node1}-control-plane`, ssh: 'control-plane' }], 'a one-node lab: just the control plane');
    const onNode = async (cluster: string, line: string) => (await world.provider.nodeExec(cluster, ['bash', '-lc', line])).stdout.trim();
    assert.equal(await onNode(node1, 'kubectl config get-contexts -o name | sort | tr "\\n" " "'), 'cks1 cks2');
    assert.equal(await onNode(node1, 'kubectl config current-context'), 'cks1');
    assert.equal(await onNode(node2, 'kubectl config current-context'), 'cks2');
    // Question 3's setup made namespace `sandbox` on cks2 only: seen through the context, not locally.
    assert.equal(await onNode(node1, 'kubectl --context cks2 get ns sandbox -o name'), 'namespace/sandbox', 'cks2 reached from cks1');
    assert.match(await onNode(node1, 'kubectl get ns sandbox -o name 2>&1 || true'), /NotFound|not found/);
    assert.equal(await onNode(node1, 'stat -c %a /root/.kube/config'), '600');

    // A cluster's own Check would leak a result: refused during the exam.
    const peek = await learner.request('POST', `/api/sessions/${cks1.sessionId}/grade`, undefined, { 'x-session-token': cks1.token! });
    assert.equal(peek.status, 403);
    assert.match(peek.json.error.message, /results are shown when the exam ends/);
    const live = await learner.request('POST', `/api/sessions/${cks1.sessionId}/autocheck`, { enabled: true }, { 'x-session-token': cks1.token! });
    assert.equal(live.status, 403, 'no live auto-check during an exam');

    assert.deepEqual((await learner.request('POST', `/api/exams/attempts/${id}/flag`, { question: 3, flagged: true })).json.flags, [3]);
    assert.equal((await learner.request('POST', `/api/exams/attempts/${id}/flag`, { question: 9, flagged: true })).status, 400);

    // Time per question comes from the questions the candidate opens, by the server's clock.
    assert.equal((await learner.request('POST', `/api/exams/attempts/${id}/view`, { question: 1 })).status, 204);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await learner.request('POST', `/api/exams/attempts/${id}/view`, { question: 2 })).status, 204);
    assert.equal((await learner.request('POST', `/api/exams/attempts/${id}/view`, { question: 'x' })).status, 400);

    // The learner answers question 2 on cks1, as its instructions say.
    const session = platform.sessions.get(cks1.sessionId!)!;
    const q2 = applyParams(new ScenarioCatalog(loadCatalog(join(ROOT, 'scenarios')).scenarios).require('init-containers'), {});
    await runNodeScript(world.provider, session.clusterName, q2.solutionScript, 60_000, scriptEnv(q2));

    const [f1, f2] = await Promise.all([learner.request('POST', `/api/exams/attempts/${id}/finish`), learner.request('POST', `/api/exams/attempts/${id}/finish`)]);
    assert.equal(f1.status, 200, JSON.stringify(f1.json));
    assert.deepEqual(f1.json, f2.json, 'graded once: both presses see the same result');
    const done = f1.json as ExamAttemptDto;
    assert.equal(done.state, 'finished');
    assert.deepEqual(done.questions.map((q) => [q.number, q.result?.passed]), [[1, false], [2, true], [3, false], [4, false]]);
    assert.equal(done.result?.passed, false);
    assert.equal(done.result?.endedBy, 'finish');
    assert.ok(done.questions[0]!.result!.seconds >= 1, `time on question 1: ${done.questions[0]!.result!.seconds}`);
    assert.ok(done.questions.every((q) => q.result!.seconds >= 0));
    assert.equal(done.result?.maxScore, done.questions.reduce((n, q) => n + q.weight, 0));
    const q1 = done.questions[0]!.result!;
    assert.ok(q1.grade && q1.grade.tasks.some((t) => t.checks.some((c) => !c.passed && c.expected !== undefined)), 'every check with expected vs found');
    assert.ok(q1.hints.length > 0 && q1.solution.includes('EncryptionConfiguration'), 'hints and the reference solution after the end');
    assert.deepEqual(done.result?.byDomain.map((d) => d.domain).sort(), ['Cluster Setup', 'Minimize Microservice Vulnerabilities']);
    const history = (await learner.request('GET', '/api/exams/attempts')).json.attempts as { id: string; score: number | null }[];
    assert.equal(history[0]?.id, id);
    assert.equal(history[0]?.score, done.result?.score);
    assert.ok(done.clusters.every((c) => c.state === 'ready'), 'the environment stays open for review');
  });

  it('an exam whose time runs out while the server is down is graded once at start-up (endedBy timeout)', async () => {
    await platform?.close();
    platform = await start(MINUTE_MS);
    const learner = new Learner(platform.server.url);
    const { id } = (await learner.request('POST', '/api/exams', { exam: 'quick' })).json as { id: string };
    await waitFor(async () => (await attempt(learner, id)).state === 'running', 'quick exam running', 60_000);
    await platform.close();
    platform = undefined;
    await new Promise((r) => setTimeout(r, 10 * MINUTE_MS + 500));
    platform = await start(MINUTE_MS);
    const again = new Learner(platform.server.url);
    again.cookie = learner.cookie;
    await waitFor(async () => (await attempt(again, id)).state === 'finished', 'graded after the restart', 30_000);
    const a = await attempt(again, id);
    assert.equal(a.result?.endedBy, 'timeout');
    assert.equal(a.remainingMs, 0);
    assert.equal((await again.request('POST', `/api/exams/attempts/${id}/finish`)).json.result?.score, a.result?.score, 'Finish after the end returns the same result');
  });
});
