import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { MemoryProbes, solvedInitPod } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { Learner, startTestServer, type TestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

describe('HTTP API and terminal socket (real server, memory provider)', () => {
  let srv: TestServer;
  let provider: MemoryProvider;
  let probes: MemoryProbes;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    provider = new MemoryProvider();
    probes = new MemoryProbes();
    srv = await startTestServer({ provider, probesFor: () => probes });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await srv.close();
  });

  async function readySession(learner: Learner) {
    const created = await learner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.equal(created.status, 201);
    const { session, token } = created.json as { session: { id: string }; token: string };
    await waitFor(async () => (await learner.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token })).json.state === 'ready', 'ready');
    return { id: session.id, token };
  }

  it('lists the catalog with title, domain, difficulty and time', async () => {
    const res = await new Learner(srv.url).request('GET', '/api/scenarios');
    assert.equal(res.status, 200);
    const s = res.json.scenarios.find((x: { id: string }) => x.id === 'init-containers');
    assert.equal(s.domain, 'Minimize Microservice Vulnerabilities');
    assert.equal(s.difficulty, 'easy');
    assert.equal(s.timeLimitMinutes, 15);
    assert.equal(s.maxScore, 8);
    const detail = await new Learner(srv.url).request('GET', '/api/scenarios/init-containers');
    assert.match(detail.json.instructions, /init container/);
    assert.equal(detail.json.tasks.length, 4);
  });

  it('answers bad input with a clear error that names the field, never a stack trace', async () => {
    const l = new Learner(srv.url);
    const unknown = await l.request('POST', '/api/sessions', { scenarioId: 'does-not-exist' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.field, 'scenarioId');
    assert.match(unknown.json.error.message, /Unknown scenario "does-not-exist". Known scenarios: .*init-containers/);
    const missing = await l.request('POST', '/api/sessions', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.field, 'scenarioId');
    const garbage = await l.request('POST', '/api/sessions', '{"scenarioId":');
    assert.equal(garbage.status, 400);
    assert.match(garbage.json.error.message, /not valid JSON/);
    assert.doesNotMatch(JSON.stringify(garbage.json), /at .*\.js:\d+/);
    const noRoute = await l.request('GET', '/api/nope');
    assert.equal(noRoute.status, 404);
  });

  it('sets an httpOnly SameSite cookie and only the owner with the token reaches a session', async () => {
    const owner = new Learner(srv.url);
    const res = await owner.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    assert.match(res.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    const { session, token } = res.json;
    const ok = await owner.request('GET', `/api/sessions/${session.id}`, undefined, { 'x-session-token': token });
    assert.equal(ok.status, 200);
    const noToken = await owner.request('GET', `/api/sessions/${session.id}`);
    assert.equal(noToken.status, 401);
    const stranger = new Learner(srv.url);
    await stranger.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    const stolen = await stranger.request('POST', `/api/sessions/${session.id}/grade`, undefined, { 'x-session-token': token });
    assert.equal(stolen.status, 401);
    const list = await owner.request('GET', '/api/sessions');
    assert.deepEqual(list.json.sessions.map((s: { id: string }) => s.id), [session.id]);
    assert.equal(list.json.sessions[0].token, token);
  });

  it('grades with the ⚑ JSON shape, stores the attempt, and shows it on reload', async () => {
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const h = { 'x-session-token': token };
    const first = await l.request('POST', `/api/sessions/${id}/grade`, undefined, h);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.json).sort(), ['maxScore', 'passed', 'scenario', 'score', 'tasks']);
    assert.equal(first.json.passed, false);
    const check = first.json.tasks[0].checks[0];
    for (const k of ['id', 'passed', 'message', 'expected', 'actual']) assert.ok(k in check, `check has ${k}`);
    assert.match(check.actual, /not found/i);
    const sol = await l.request('GET', `/api/sessions/${id}/solution`, undefined, h);
    assert.equal(sol.status, 200);
    assert.match(sol.json.markdown, /kubectl apply/);

    probes.put(solvedInitPod());
    probes.podExecHandler = () => ({ exitCode: 0, stdout: 'prepared by init', stderr: '' });
    const second = await l.request('POST', `/api/sessions/${id}/grade`, undefined, h);
    assert.equal(second.json.passed, true);
    assert.equal(second.json.score, 8);
    const reload = await l.request('GET', `/api/sessions/${id}`, undefined, h);
    assert.equal(reload.json.attempts, 2);
    assert.equal(reload.json.lastGrade.score, 8);
  });

  it('refuses the solution before a first attempt', async () => {
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const sol = await l.request('GET', `/api/sessions/${id}/solution`, undefined, { 'x-session-token': token });
    assert.equal(sol.status, 403);
    assert.match(sol.json.error.message, /Check at least once/);
  });

  it('streams a real shell, survives malformed messages, and replays output on re-attach', async () => {
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const s1 = l.socket(id, token);
    sockets.push(s1);
    let out = '';
    const problems: string[] = [];
    s1.on('output', (d) => (out += d));
    s1.on('problem', (p) => problems.push(p.message));
    await waitFor(() => s1.connected, 'connected');
    s1.emit('resize', { cols: Number.NaN, rows: 10 });
    s1.emit('resize', { cols: 1e9, rows: 1e9 });
    s1.emit('input', { not: 'a string' } as unknown as string);
    s1.emit('ack', -5);
    s1.emit('input', 'echo marker-$((40+2))\r');
    await waitFor(() => out.includes('marker-42'), 'echo output');
    assert.ok(problems.some((p) => /resize needs numeric/.test(p)));
    assert.ok(problems.some((p) => /input must be a string/.test(p)));
    s1.disconnect();

    const s2 = l.socket(id, token);
    sockets.push(s2);
    let replay = '';
    s2.on('replay', (d) => (replay += d));
    await waitFor(() => replay.includes('marker-42'), 'replay after reconnect');
    let out2 = '';
    s2.on('output', (d) => (out2 += d));
    s2.emit('input', 'echo again-$((1+1))\r');
    await waitFor(() => out2.includes('again-2'), 'same shell after reconnect');
  });

  it('refuses a socket without the session token or from another learner', async () => {
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const bad = l.socket(id, 'wrong');
    sockets.push(bad);
    const err = await new Promise<Error>((r) => bad.on('connect_error', r));
    assert.match(err.message, /another browser/);
    const stranger = new Learner(srv.url);
    const s = stranger.socket(id, token);
    sockets.push(s);
    const err2 = await new Promise<Error>((r) => s.on('connect_error', r));
    assert.match(err2.message, /another browser/);
  });

  it('streams provisioning progress and the failure reason, and Retry provisions again', async () => {
    provider.failAt = 'Installing CNI';
    provider.phaseDelayMs = 40;
    const l = new Learner(srv.url);
    const created = await l.request('POST', '/api/sessions', { scenarioId: 'init-containers' });
    const { session, token } = created.json;
    const sock = l.socket(session.id, token);
    sockets.push(sock);
    const steps: string[] = [];
    let failedState: { state: string; error: string | null } | undefined;
    sock.on('progress', (p) => steps.push(`${p.step}:${p.state}`));
    sock.on('state', (s) => {
      if (s.state === 'failed') failedState = s;
    });
    await waitFor(() => failedState, 'failed state');
    assert.ok(steps.includes('Installing CNI:failed'), steps.join(','));
    assert.match(failedState?.error ?? '', /Installing CNI/);
    const retry = await l.request('POST', `/api/sessions/${session.id}/retry`, undefined, { 'x-session-token': token });
    assert.equal(retry.status, 200);
    let replay = '';
    sock.on('replay', (d) => (replay += d));
    await waitFor(() => typeof replay === 'string' && srv.store.getSession(session.id)?.state === 'ready', 'ready after retry');
  });

  it('stop deletes the cluster and ends the session', async () => {
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const cluster = srv.store.getSession(id)?.clusterName as string;
    const res = await l.request('DELETE', `/api/sessions/${id}`, undefined, { 'x-session-token': token });
    assert.equal(res.status, 204);
    assert.ok(provider.deleted.includes(cluster));
    const after = await l.request('POST', `/api/sessions/${id}/grade`, undefined, { 'x-session-token': token });
    assert.equal(after.status, 409);
    assert.match(after.json.error.message, /ended/);
  });
});
