/**
 * Workshops on a real server (HTTP + socket.io + ptys + SQLite) with several learners and an
 * instructor as real socket.io clients; clusters come from the in-memory provider.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { BoardDto, WorkshopClientToServer, WorkshopServerToClient } from '../../server/wire/workshop.js';
import { WORKSHOP_NAMESPACE } from '../../server/wire/workshop.js';
import { MemoryProbes, solvedInitPod } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { Learner, startTestServer, type TestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'instructor-secret-token-1234';
const AUTH = { authorization: `Bearer ${TOKEN}` };

type InstructorSocket = Socket<WorkshopServerToClient, WorkshopClientToServer>;

describe('workshops (real server, several learners and an instructor)', function () {
  this.timeout(30_000);
  let srv: TestServer;
  let provider: MemoryProvider;
  let probes: MemoryProbes;
  let dir: string;
  const sockets: Socket[] = [];

  async function boot(): Promise<void> {
    srv = await startTestServer({ provider, probesFor: () => probes, instructorToken: TOKEN, dbFile: join(dir, 'cks.db') });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cks-ws-'));
    provider = new MemoryProvider();
    probes = new MemoryProbes();
    await boot();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function createWorkshop(body: Record<string, unknown> = {}) {
    const res = await new Learner(srv.url).request('POST', '/api/workshops', { title: 'CKS day 1', scenarios: ['init-containers'], seats: 3, warmClusters: 0, ...body }, AUTH);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json as { id: string; joinCode: string; joinUrl: string };
  }

  async function joinWorkshop(code: string, name: string, learner = new Learner(srv.url)) {
    const res = await learner.request('POST', '/api/join', { joinCode: code, displayName: name });
    return { learner, res };
  }

  function instructor(): InstructorSocket {
    const s: InstructorSocket = ioClient(srv.url + WORKSHOP_NAMESPACE, { auth: { token: TOKEN }, transports: ['websocket'], reconnection: false, forceNew: true });
    sockets.push(s);
    return s;
  }

  it('⚑ create needs the instructor token and answers { id, joinCode, joinUrl }', async () => {
    const anon = await new Learner(srv.url).request('POST', '/api/workshops', { title: 'x', scenarios: ['init-containers'], seats: 2 });
    assert.equal(anon.status, 401);
    const wrong = await new Learner(srv.url).request('POST', '/api/workshops', { title: 'x', scenarios: ['init-containers'], seats: 2 }, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    const w = await createWorkshop();
    assert.deepEqual(Object.keys(w).sort(), ['id', 'joinCode', 'joinUrl']);
    assert.match(w.joinCode, /^[A-HJKMNP-Z2-9]{6}$/);
    assert.equal(w.joinUrl, `${srv.url}/join/${w.joinCode}`);
    const list = await new Learner(srv.url).request('GET', '/api/workshops', undefined, AUTH);
    assert.equal(list.json.workshops[0].title, 'CKS day 1');
  });

  it('rejects bad workshop definitions naming the field', async () => {
    const post = (body: unknown) => new Learner(srv.url).request('POST', '/api/workshops', body, AUTH);
    assert.equal((await post({ scenarios: ['init-containers'], seats: 2 })).json.error.field, 'title');
    const unknown = await post({ title: 't', scenarios: ['nope'], seats: 2 });
    assert.equal(unknown.json.error.field, 'scenarios[0]');
    assert.match(unknown.json.error.message, /Unknown scenario "nope"/);
    const twice = await post({ title: 't', scenarios: ['init-containers', 'encryption-at-rest', 'init-containers'], seats: 2 });
    assert.equal(twice.status, 400);
    assert.equal(twice.json.error.field, 'scenarios[2]');
    assert.match(twice.json.error.message, /scenarios\[2\] repeats "init-containers" \(already scenarios\[0\]\); list each scenario once/);
    assert.equal((await post({ title: 't', scenarios: ['init-containers'], seats: 0 })).json.error.field, 'seats');
    assert.equal((await post({ title: 't', scenarios: ['init-containers'], seats: 2, endsAt: '2001-01-01T00:00:00Z' })).json.error.field, 'endsAt');
  });

  it('join: clear answers for wrong codes, bad names, taken names and full workshops; rejoin returns the same seat', async () => {
    const w = await createWorkshop({ seats: 2 });
    const wrongCode = await joinWorkshop('ZZZZZZ', 'Ann');
    assert.equal(wrongCode.res.status, 404);
    assert.equal(wrongCode.res.json.error.field, 'joinCode');
    assert.equal((await joinWorkshop('not a code', 'Ann')).res.status, 400);
    const empty = await joinWorkshop(w.joinCode, '   ');
    assert.equal(empty.res.status, 400);
    assert.equal(empty.res.json.error.field, 'displayName');
    const huge = await joinWorkshop(w.joinCode, 'x'.repeat(10_000));
    assert.equal(huge.res.status, 400);
    assert.match(huge.res.json.error.message, /at most 40/);

    const ann = await joinWorkshop(w.joinCode.toLowerCase(), 'Ann');
    assert.equal(ann.res.status, 201);
    const taken = await joinWorkshop(w.joinCode, 'ann');
    assert.equal(taken.res.status, 409);
    assert.match(taken.res.json.error.message, /already joined as "ann"/);
    const again = await joinWorkshop(w.joinCode, 'Ann', ann.learner);
    assert.equal(again.res.status, 200);
    assert.equal(again.res.json.rejoined, true);
    assert.equal(again.res.json.sessionId, ann.res.json.sessionId, 'same seat, same lab');
    await joinWorkshop(w.joinCode, 'Bob');
    const full = await joinWorkshop(w.joinCode, 'Cy');
    assert.equal(full.res.status, 409);
    assert.match(full.res.json.error.message, /All 2 seats/);
    // A learner trying instructor APIs gets nothing.
    const sneaky = await ann.learner.request('GET', `/api/workshops/${w.id}/board`);
    assert.equal(sneaky.status, 401);
    const info = await new Learner(srv.url).request('GET', `/api/join/${w.joinCode}`);
    assert.equal(info.json.seatsLeft, 0);
  });

  it('join refuses names with invisible bidi and format characters (they could disguise a name on the board)', async () => {
    const w = await createWorkshop({ seats: 5 });
    const disguised = [
      'Ann\u202Eevil', // RIGHT-TO-LEFT OVERRIDE: the board would show "Annlive"
      '\u2067Bob\u2069', // RIGHT-TO-LEFT ISOLATE … POP DIRECTIONAL ISOLATE
      'Cy\u200F', // RIGHT-TO-LEFT MARK
      '\u200BDan', // ZERO WIDTH SPACE: a second "Dan" that looks the same
      'Eve\u200D', // a zero-width joiner at the end joins nothing
      'Fa\u2060y', // WORD JOINER
    ];
    for (const name of disguised) {
      const { res } = await joinWorkshop(w.joinCode, name);
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.equal(res.json.error.field, 'displayName');
      assert.match(res.json.error.message, /invisible formatting character \(U\+[0-9A-F]{4}\)/);
    }
    assert.match((await joinWorkshop(w.joinCode, 'Ann\u202Eevil')).res.json.error.message, /U\+202E/);
    // Joiners between letters are part of real names (Persian, Indic scripts).
    const persian = await joinWorkshop(w.joinCode, 'Mohammad\u200CReza');
    assert.equal(persian.res.status, 201);
    const info = await new Learner(srv.url).request('GET', `/api/join/${w.joinCode}`);
    assert.equal(info.json.seatsLeft, 4, 'only the real name took a seat');
  });

  it('live board: learners check, the instructor’s board changes (pushed), shadowing shows what a learner types', async () => {
    const w = await createWorkshop();
    const learners = await Promise.all(['Ann', 'Bob', 'Cy'].map((n) => joinWorkshop(w.joinCode, n)));
    for (const l of learners) assert.equal(l.res.status, 201);
    const ins = instructor();
    const boards: BoardDto[] = [];
    ins.on('board', (b) => boards.push(b));
    ins.on('connect', () => ins.emit('watch', { workshopId: w.id }));
    await waitFor(() => boards.length > 0, 'first board');
    await waitFor(() => boards[boards.length - 1]?.learners.every((l) => l.sessionState === 'ready'), 'all seats ready', 10_000);
    const last = () => boards[boards.length - 1] as BoardDto;
    assert.equal(last().learners.length, 3);
    assert.equal(last().cells.length, 3 * 4);
    assert.ok(last().cells.every((c) => c.passed === null), 'nobody checked yet');

    // Ann solves it and presses Check: her cells flip to passed on the instructor's board.
    const ann = learners[0]!;
    probes.put(solvedInitPod());
    probes.podExecHandler = () => ({ exitCode: 0, stdout: 'prepared by init', stderr: '' });
    const pushedBefore = boards.length;
    const graded = await ann.learner.request('POST', `/api/sessions/${ann.res.json.sessionId}/grade`, undefined, { 'x-session-token': ann.res.json.token });
    assert.equal(graded.json.passed, true);
    await waitFor(() => boards.length > pushedBefore && last().cells.filter((c) => c.seatId === ann.res.json.seatId).every((c) => c.passed === true), 'board pushed with Ann passing');
    const annRow = last().learners.find((l) => l.displayName === 'Ann')!;
    assert.equal(annRow.score, 8);
    assert.equal(annRow.attempts['init-containers'], 1);

    // Shadow Bob: the instructor sees what Bob types, live, and cannot type into it.
    const bob = learners[1]!;
    const bobSock = bob.learner.socket(bob.res.json.sessionId, bob.res.json.token);
    sockets.push(bobSock);
    await waitFor(() => bobSock.connected, 'bob connected');
    let shadowText = '';
    ins.on('shadowReplay', (e) => (shadowText += e.data));
    ins.on('shadowOutput', (e) => {
      shadowText += e.data;
      ins.emit('shadowAck', { sessionId: e.sessionId, chars: e.data.length });
    });
    ins.emit('shadow', { sessionId: bob.res.json.sessionId });
    await new Promise((r) => setTimeout(r, 200));
    bobSock.emit('input', 'echo shadow-$((6*7))\r');
    await waitFor(() => shadowText.includes('shadow-42'), 'shadowed output');

    // Broadcast reaches every learner's page.
    const cySock = learners[2]!.learner.socket(learners[2]!.res.json.sessionId, learners[2]!.res.json.token);
    sockets.push(cySock);
    const notices: string[] = [];
    bobSock.on('notice', (n) => notices.push(`bob:${n.message}`));
    cySock.on('notice', (n) => notices.push(`cy:${n.message}`));
    await waitFor(() => cySock.connected, 'cy connected');
    const bc = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/broadcast`, { message: 'Break in 5 minutes' }, AUTH);
    assert.equal(bc.status, 204);
    await waitFor(() => notices.length === 2, 'notices');
    assert.deepEqual(notices.sort(), ['bob:Break in 5 minutes', 'cy:Break in 5 minutes']);
  });

  it('reset gives a learner a clean cluster with setup re-run; extend adds time and tells the learner', async () => {
    const w = await createWorkshop({ timeLimitMinutes: 20 });
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    const sessionId = ann.res.json.sessionId as string;
    await waitFor(() => srv.store.getSession(sessionId)?.state === 'ready', 'ready');
    const before = srv.store.getSession(sessionId)!.clusterName;
    const sock = ann.learner.socket(sessionId, ann.res.json.token);
    sockets.push(sock);
    const seatEvents: string[] = [];
    sock.on('seat', (e) => seatEvents.push(e.reason));
    await waitFor(() => sock.connected, 'connected');
    const reset = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/reset`, undefined, AUTH);
    assert.equal(reset.status, 204);
    await waitFor(() => srv.store.getSession(sessionId)?.state === 'ready' && srv.store.getSession(sessionId)!.clusterName !== before, 'ready on a new cluster');
    assert.ok(provider.deleted.includes(before), 'the old cluster is deleted');
    assert.equal(provider.nodeCommands.filter((c) => c.argv.join(' ') === 'bash -s').length, 2, 'setup ran again');

    const me1 = await ann.learner.request('GET', `/api/workshops/${w.id}/me`);
    const ext = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/extend`, { minutes: 10 }, AUTH);
    assert.equal(ext.status, 204);
    const me2 = await ann.learner.request('GET', `/api/workshops/${w.id}/me`);
    assert.equal(Date.parse(me2.json.scenarioDeadline) - Date.parse(me1.json.scenarioDeadline), 10 * 60_000);
    await waitFor(() => seatEvents.some((r) => /10 more minutes/.test(r)), 'extension announced');
    const badExt = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/extend`, { minutes: 'lots' }, AUTH);
    assert.equal(badExt.json.error.field, 'minutes');
  });

  it('concurrent resets of one seat leave exactly one cluster, the seat’s own', async () => {
    const w = await createWorkshop();
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    const sessionId = ann.res.json.sessionId as string;
    await waitFor(() => srv.store.getSession(sessionId)?.state === 'ready', 'ready');
    provider.phaseDelayMs = 25; // a create takes a while, so resets overlap it
    const reset = () => new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/reset`, undefined, AUTH);
    // The instructor clicks Reset three times at once…
    const statuses = (await Promise.all([reset(), reset(), reset()])).map((r) => r.status);
    assert.deepEqual(statuses, [204, 204, 204]);
    // …and once more while the new cluster is still being created.
    await waitFor(() => srv.pool.status().clusters.some((c) => c.state === 'provisioning'), 'a create under way');
    assert.equal((await reset()).status, 204);
    await waitFor(
      () => srv.store.getSession(sessionId)?.state === 'ready' && srv.pool.status().clusters.every((c) => c.state === 'ready'),
      'the seat ready again and no create left under way',
      10_000,
    );
    await new Promise((r) => setTimeout(r, 300)); // deletes of the losers have landed
    assert.deepEqual([...provider.clusters], [srv.store.getSession(sessionId)!.clusterName], 'no leaked cluster');
    assert.equal(srv.pool.status().clusters.length, 0, 'none parked warm either (this workshop asked for no warm clusters)');
  });

  it('reset of a seat whose lab ended starts a fresh lab and moves the learner’s page to it', async () => {
    const w = await createWorkshop({ timeLimitMinutes: 10 });
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    const first = ann.res.json.sessionId as string;
    await waitFor(() => srv.store.getSession(first)?.state === 'ready', 'ready');
    const sock = ann.learner.socket(first, ann.res.json.token);
    sockets.push(sock);
    const seatEvents: string[] = [];
    sock.on('seat', (e) => seatEvents.push(e.reason));
    await waitFor(() => sock.connected, 'connected');
    await srv.workshops!.tick(Date.now() + 11 * 60_000);
    assert.equal(srv.store.getSession(first)?.state, 'ended', 'time is up');
    assert.equal(provider.clusters.size, 0);

    const reset = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/reset`, undefined, AUTH);
    assert.equal(reset.status, 204);
    const me = await ann.learner.request('GET', `/api/workshops/${w.id}/me`);
    assert.notEqual(me.json.sessionId, first, 'a new lab for the same scenario');
    assert.equal(me.json.scenarioIndex, 0);
    await waitFor(() => srv.store.getSession(me.json.sessionId)?.state === 'ready', 'the fresh lab is ready');
    assert.equal(provider.clusters.size, 1);
    await waitFor(() => seatEvents.some((r) => /started this scenario again/.test(r)), 'the learner’s page is told');
    const board = await new Learner(srv.url).request('GET', `/api/workshops/${w.id}/board`, undefined, AUTH);
    assert.equal(board.json.learners[0].sessionState, 'ready');

    // Once the workshop is over, a reset is refused instead of starting a lab nobody can use.
    await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/end`, undefined, AUTH);
    const late = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/seats/${ann.res.json.seatId}/reset`, undefined, AUTH);
    assert.equal(late.status, 410);
    assert.match(late.json.error.message, /has ended/);
    assert.equal(provider.clusters.size, 0);
  });

  it('end: final check, clusters deleted, learners see their summary, results export as CSV and JSON', async () => {
    const w = await createWorkshop();
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    const bob = await joinWorkshop(w.joinCode, '=cmd|evil');
    for (const l of [ann, bob]) await waitFor(() => srv.store.getSession(l.res.json.sessionId)?.state === 'ready', 'ready');
    const sock = ann.learner.socket(ann.res.json.sessionId, ann.res.json.token);
    sockets.push(sock);
    const ended: string[] = [];
    sock.on('seat', (e) => ended.push(e.state));
    await waitFor(() => sock.connected, 'connected');
    await ann.learner.request('POST', `/api/sessions/${ann.res.json.sessionId}/grade`, undefined, { 'x-session-token': ann.res.json.token });

    const end = await new Learner(srv.url).request('POST', `/api/workshops/${w.id}/end`, undefined, AUTH);
    assert.equal(end.status, 204);
    await waitFor(() => ended.includes('ended'), 'learner told');
    for (const l of [ann, bob]) assert.equal(srv.store.getSession(l.res.json.sessionId)?.state, 'ended');
    assert.equal(provider.clusters.size, 0, 'every cluster is deleted');
    const me = await ann.learner.request('GET', `/api/workshops/${w.id}/me`);
    assert.equal(me.json.state, 'ended');
    assert.equal(me.json.summary.length, 4);
    const late = await joinWorkshop(w.joinCode, 'Late');
    assert.equal(late.res.status, 410);

    const json = await new Learner(srv.url).request('GET', `/api/workshops/${w.id}/export.json`, undefined, AUTH);
    assert.equal(json.json.rows.length, 2 * 4, 'one row per learner per task');
    const annRow = json.json.rows.find((r: { learner: string }) => r.learner === 'Ann');
    assert.equal(annRow.attempts, 1, 'only the learner’s own presses count as attempts');
    assert.equal(typeof annRow.timeSeconds, 'number');
    const csv = await fetch(`${srv.url}/api/workshops/${w.id}/export.csv`, { headers: AUTH });
    const text = await csv.text();
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const lines = text.trim().split('\r\n');
    assert.equal(lines[0], 'workshop,learner,scenario,task,passed,score,attempts,time_seconds');
    assert.equal(lines.length, 1 + 8);
    assert.ok(lines.some((l) => l.includes(`'=cmd|evil`)), 'a name that looks like a formula is defused');
  });

  it('a restart loses no seat, attempt or result, and learners re-attach to their seat', async () => {
    const w = await createWorkshop();
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    await waitFor(() => srv.store.getSession(ann.res.json.sessionId)?.state === 'ready', 'ready');
    await ann.learner.request('POST', `/api/sessions/${ann.res.json.sessionId}/grade`, undefined, { 'x-session-token': ann.res.json.token });
    const cluster = srv.store.getSession(ann.res.json.sessionId)!.clusterName;
    await srv.close();
    provider.clusters.add(cluster);
    await boot();
    await srv.sessions.reconcile();
    const again = new Learner(srv.url);
    again.cookie = ann.learner.cookie;
    const rejoin = await again.request('POST', '/api/join', { joinCode: w.joinCode, displayName: 'Ann' });
    assert.equal(rejoin.status, 200);
    assert.equal(rejoin.json.sessionId, ann.res.json.sessionId);
    const board = await new Learner(srv.url).request('GET', `/api/workshops/${w.id}/board`, undefined, AUTH);
    assert.equal(board.json.learners.length, 1);
    assert.equal(board.json.learners[0].attempts['init-containers'], 1);
    assert.equal(board.json.learners[0].sessionState, 'ready');
  });

  it('warms clusters before learners arrive; a learner who joins gets one at once', async () => {
    const w = await createWorkshop({ warmClusters: 2 });
    await waitFor(() => srv.pool.status().labs.find((l) => l.lab === 'default/init-containers')?.ready === 2, 'two warm clusters');
    const board = await new Learner(srv.url).request('GET', `/api/workshops/${w.id}/board`, undefined, AUTH);
    assert.equal(board.json.pool.ready, 2);
    const setupsBefore = provider.nodeCommands.filter((c) => c.argv.join(' ') === 'bash -s').length;
    assert.equal(setupsBefore, 2, 'the first scenario was set up on both seats before anyone arrived');
    const ann = await joinWorkshop(w.joinCode, 'Ann');
    await waitFor(() => srv.store.getSession(ann.res.json.sessionId)?.state === 'ready', 'ready');
    const progress = srv.sessions.progress(ann.res.json.sessionId);
    assert.ok(progress.some((p) => /warm cluster was ready/.test(p.detail ?? '')));
    assert.ok(progress.some((p) => /Prepared before you arrived/.test(p.detail ?? '')));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(srv.pool.status().labs.find((l) => l.lab === 'default/init-containers')?.target, 1, 'no refill beyond the seats left');
    assert.equal(provider.clusters.size, 2, 'one in use, one still warm');
  });
});

describe('workshop timers', function () {
  this.timeout(30_000);
  it('closes a lab at its time limit (after a final check) and ends the workshop at its end time', async () => {
    const provider = new MemoryProvider();
    const probes = new MemoryProbes();
    const srv = await startTestServer({ provider, probesFor: () => probes, instructorToken: TOKEN });
    try {
      const res = await new Learner(srv.url).request('POST', '/api/workshops', { title: 'Timed', scenarios: ['init-containers'], seats: 2, timeLimitMinutes: 10, backgroundCheckSeconds: 30, warmClusters: 0 }, AUTH);
      const w = res.json as { id: string; joinCode: string };
      const l = new Learner(srv.url);
      const joined = (await l.request('POST', '/api/join', { joinCode: w.joinCode, displayName: 'Ann' })).json;
      await waitFor(() => srv.store.getSession(joined.sessionId)?.state === 'ready', 'ready');
      const manager = srv.workshops!;
      await manager.tick(Date.now());
      assert.equal(srv.store.listAttempts(joined.sessionId).filter((a) => a.source === 'background').length, 1, 'background check ran');
      await manager.tick(Date.now() + 11 * 60_000);
      assert.equal(srv.store.getSession(joined.sessionId)?.state, 'ended', 'time is up');
      assert.match(srv.store.getSession(joined.sessionId)?.error ?? '', /Time is up/);
      await manager.tick(Date.now() + 3 * 3600_000);
      assert.equal(srv.store.getWorkshop(w.id)?.state, 'ended');
    } finally {
      await srv.close();
    }
  });
});
