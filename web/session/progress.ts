/**
 * The provisioning panel (data-testid="provision-progress"): kind's phases plus our own two,
 * each marked pending / active / done / failed, a progress bar, and on failure the reason and
 * a Retry button.
 */
import { KIND_PHASES } from '../../server/clusters/types.js';
import type { ProvisionProgress, SessionDto } from '../../server/wire/types.js';
import { h, replaceChildren } from '../dom.js';

export const PROVISION_STEPS: readonly string[] = [...KIND_PHASES, 'Waiting for node Ready', 'Running scenario setup'];

type Mark = 'pending' | 'active' | 'done' | 'failed';
const MARK_TEXT: Record<Mark, string> = { pending: 'waiting', active: 'in progress', done: 'done', failed: 'failed' };
const MARK_ICON: Record<Mark, string> = { pending: '○', active: '◐', done: '✓', failed: '✗' };

export interface ProgressPanel {
  el: HTMLElement;
  /** Start over from a session snapshot (its progress so far, its state and error). */
  reset(session: SessionDto): void;
  /** One more progress event. */
  add(p: ProvisionProgress): void;
}

/** Creates the panel; `onRetry` runs when the learner asks to provision again. */
export function createProgressPanel(onRetry: () => Promise<void>): ProgressPanel {
  let events: ProvisionProgress[] = [];
  let state: SessionDto['state'] = 'provisioning';
  let error: string | null = null;

  const list = h('ol', { class: 'steps' });
  const bar = h('progress', { max: 100, value: 0, 'aria-label': 'Provisioning progress' });
  const percent = h('span', { class: 'muted' }, '0%');
  const failure = h('div', { class: 'failure', role: 'alert', hidden: true });
  const heading = h('h2', {}, 'Preparing your cluster');
  const intro = h('p', { class: 'muted' }, 'A fresh kind cluster is being created for this lab. This usually takes one to two minutes.');
  const el = h(
    'section',
    { class: 'panel provision', 'data-testid': 'provision-progress', 'aria-live': 'polite', 'aria-label': 'Cluster provisioning' },
    heading,
    intro,
    h('div', { class: 'bar' }, bar, percent),
    list,
    failure,
  );

  function markOf(step: string): { mark: Mark; detail: string | undefined } {
    let latest: ProvisionProgress | undefined;
    for (const e of events) if (e.step === step) latest = e;
    if (!latest) return { mark: 'pending', detail: undefined };
    const mark: Mark = latest.state === 'done' ? 'done' : latest.state === 'failed' || state === 'failed' ? 'failed' : 'active';
    return { mark, detail: latest.detail };
  }

  function render(): void {
    const fraction = events.reduce((max, e) => Math.max(max, e.fraction), 0);
    const pct = Math.round(Math.min(1, state === 'ready' ? 1 : fraction) * 100);
    bar.value = pct;
    percent.textContent = `${pct}%`;
    replaceChildren(
      list,
      // The kubernetes provider's first step (a lab pod waiting for room) shows only where it happens.
      ...[...(events.some((e) => e.step === 'Scheduling lab pod') ? ['Scheduling lab pod'] : []), ...PROVISION_STEPS].map((step) => {
        const { mark, detail } = markOf(step);
        return h(
          'li',
          { class: `step ${mark}`, 'data-step': step, 'data-state': mark },
          h('span', { class: 'step-icon', 'aria-hidden': 'true' }, MARK_ICON[mark]),
          h('span', { class: 'step-name' }, step),
          h('span', { class: 'visually-hidden' }, ` (${MARK_TEXT[mark]})`),
          detail ? h('span', { class: 'step-detail muted' }, detail) : null,
        );
      }),
    );
    heading.textContent = state === 'failed' ? 'The cluster could not be prepared' : 'Preparing your cluster';
    failure.hidden = state !== 'failed';
    intro.hidden = state === 'failed';
    if (state === 'failed') {
      const retry = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'retry-lab' }, 'Retry');
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        retry.textContent = 'Retrying…';
        await onRetry();
        retry.disabled = false;
        retry.textContent = 'Retry';
      });
      replaceChildren(failure, h('p', { class: 'failure-reason' }, error ?? 'Provisioning failed for an unknown reason.'), retry);
    }
  }

  render();
  return {
    el,
    reset(session) {
      events = [...session.progress];
      state = session.state;
      error = session.error;
      render();
    },
    add(p) {
      events.push(p);
      render();
    },
  };
}
