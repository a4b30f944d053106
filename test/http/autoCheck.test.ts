/**
 * Live auto-check of a practice lab (opt-in): the lab is graded in the background and each grade
 * is pushed to the learner's page over the terminal socket, without pressing Check. It never
 * unlocks the solution (the learner's own Check does), and it can be turned off again.
 */
import assert from 'node:assert/strict';
import type { GradeJson } from '../../server/wire/types.js';
import { readySession } from '../helpers/http.js';
import { MemoryProbes } from '../helpers/memoryProbes.js';
import { MemoryProvider } from '../helpers/memoryProvider.js';
import { Learner, startTestServer, type TestServer } from '../helpers/testServer.js';
import { waitFor } from '../helpers/wait.js';

describe('HTTP: live auto-check of a practice lab', () => {
  let srv: TestServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('pushes grades while on, never unlocks the solution, stops when turned off', async () => {
    srv = await startTestServer({ provider: new MemoryProvider(), probesFor: () => new MemoryProbes(), settings: { autoCheckIntervalMs: 150 } });
    srv.sessions.startReaper();
    const l = new Learner(srv.url);
    const { id, token } = await readySession(l);
    const h = { 'x-session-token': token };
    const sock = l.socket(id, token);
    const pushed: GradeJson[] = [];
    sock.on('graded', (g) => pushed.push(g));
    try {
      await waitFor(() => sock.connected, 'socket connected');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(pushed.length, 0, 'off by default: nothing graded without Check');

      const bad = await l.request('POST', `/api/sessions/${id}/autocheck`, { enabled: 'yes' }, h);
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.field, 'enabled');
      const on = await l.request('POST', `/api/sessions/${id}/autocheck`, { enabled: true }, h);
      assert.equal(on.status, 200);
      assert.equal(on.json.autoCheck, true);
      await waitFor(() => pushed.length >= 2, 'grades pushed without pressing Check', 5000);
      assert.equal(pushed[0]?.scenario, 'init-containers');
      assert.equal((await l.request('GET', `/api/sessions/${id}`, undefined, h)).json.autoCheck, true, 'kept with the session');

      const solution = await l.request('GET', `/api/sessions/${id}/solution`, undefined, h);
      assert.equal(solution.status, 403, 'background checks do not unlock the solution');
      assert.equal((await l.request('GET', `/api/sessions/${id}`, undefined, h)).json.solutionAvailable, false);

      assert.equal((await l.request('POST', `/api/sessions/${id}/autocheck`, { enabled: false }, h)).json.autoCheck, false);
      await new Promise((r) => setTimeout(r, 300)); // a round already running may still land
      const settled = pushed.length;
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(pushed.length, settled, 'no more grades once it is off');
      const stranger = await new Learner(srv.url).request('POST', `/api/sessions/${id}/autocheck`, { enabled: true }, h);
      assert.ok([401, 403].includes(stranger.status), `only the lab’s own learner: ${stranger.status}`);
    } finally {
      sock.disconnect();
    }
  });
});
