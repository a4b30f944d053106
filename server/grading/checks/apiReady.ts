/**
 * `apiReady` checks: kube-apiserver is healthy. Asks the probes' `apiHealth` (its /readyz through
 * our own client and, when it is not ready, its container as the node's runtime shows it) and
 * waits while it is merely restarting — up to `waitSeconds` — but answers at once when it is
 * crash-looping or gone: the learner pressing Check on a broken manifest learns why in a second or
 * two instead of after the whole wait. Not ready is never a plain fail: the engine reports the
 * API's state as an error (restarting: Check again; crash loop: what to look at, with its log).
 */
import type { ApiReadyCheck } from '../../scenarios/types.js';
import { API_RESTARTING } from '../apiRestart.js';
import { ApiUnavailableError, ProbeError, type ApiHealth, type CheckRunner } from '../types.js';

const POLL_MS = 1_000;

export const runApiReadyCheck: CheckRunner<ApiReadyCheck> = async (check, probes, signal) => {
  if (!probes.apiHealth) throw new ProbeError('these probes cannot ask kube-apiserver for its health');
  const waitMs = (check.waitSeconds ?? 30) * 1000;
  const deadline = Date.now() + waitMs;
  const expected = 'kube-apiserver answering /readyz with ok';
  let health: ApiHealth;
  for (;;) {
    health = await probes.apiHealth();
    if (health.ready) return { status: 'pass', message: check.description, expected, actual: 'kube-apiserver is ready (/readyz ok)' };
    if (health.state === 'crashLoop' || health.state === 'gone' || Date.now() + POLL_MS > deadline || signal.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const waited = health.state === 'restarting' ? `; waited ${Math.round(waitMs / 1000)} s` : '';
  throw new ApiUnavailableError(`${API_RESTARTING} (${health.evidence}${waited})`, `kube-apiserver not ready (${health.state})${waited}`);
};
