/**
 * The join page (`/join`, `/join/:code`): a learner enters the workshop's code (prefilled from the
 * join URL) and a display name, sees what the workshop holds, and lands in its first scenario.
 */
import { ApiError, messageOf, storeSessionToken } from './api.js';
import type { Page, PageContext } from './context.js';
import { h, replaceChildren } from './dom.js';
import { sessionPath } from './router.js';
import type { JoinInfoDto } from '../server/wire/workshop.js';

/** Renders the join form into `root`, prefilled with `code`. */
export function renderJoin(root: HTMLElement, ctx: PageContext, code: string): Page {
  let disposed = false;
  let lookup = 0;
  let debounce = 0;
  /** Did the last code lookup put its error in the banner (so a good code may clear it)? */
  let lookupFailed = false;
  const codeInput = h('input', { id: 'join-code', name: 'joinCode', class: 'input code-input', 'data-testid': 'join-code-input', autocomplete: 'off', spellcheck: 'false', required: true, maxlength: 32, value: code });
  const nameInput = h('input', { id: 'display-name', name: 'displayName', class: 'input', 'data-testid': 'display-name-input', autocomplete: 'nickname', required: true, maxlength: 64 });
  const joinButton = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'join-button' }, 'Join workshop');
  const info = h('section', { class: 'join-info', 'data-testid': 'join-info', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'panel form', novalidate: true },
    h('label', { for: 'join-code' }, 'Join code'),
    codeInput,
    info,
    h('label', { for: 'display-name' }, 'Your name'),
    h('p', { class: 'field-help muted', id: 'display-name-help' }, 'Shown to your instructor on the progress board.'),
    nameInput,
    h('div', { class: 'form-actions' }, joinButton),
  );
  nameInput.setAttribute('aria-describedby', 'display-name-help');
  replaceChildren(
    root,
    h('main', { class: 'page narrow' }, h('h1', {}, 'Join a workshop'), h('p', { class: 'muted' }, 'You get your own Kubernetes cluster and a terminal on its node for each scenario of the workshop.'), form),
  );
  (code ? nameInput : codeInput).focus();

  async function showInfo(value: string): Promise<void> {
    const mine = ++lookup;
    if (!value) return replaceChildren(info);
    try {
      const facts = await ctx.api.joinInfo(value);
      if (disposed || mine !== lookup) return;
      if (lookupFailed) ctx.banner.clear();
      lookupFailed = false;
      replaceChildren(info, describe(facts));
      // No seats left still lets a learner who has a seat come back (rejoin), so only an ended workshop disables Join.
      joinButton.disabled = facts.state === 'ended';
    } catch (err) {
      if (disposed || mine !== lookup) return;
      replaceChildren(info);
      joinButton.disabled = false;
      lookupFailed = true;
      ctx.banner.show(messageOf(err));
    }
  }

  codeInput.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = window.setTimeout(() => void showInfo(codeInput.value.trim()), 400);
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const joinCode = codeInput.value.trim();
    const displayName = nameInput.value.trim();
    if (!joinCode) return fieldError(codeInput, 'Enter the join code your instructor gave you.');
    if (!displayName) return fieldError(nameInput, 'Enter a name so your instructor can find you on the board.');
    joinButton.disabled = true;
    joinButton.textContent = 'Joining…';
    ctx.banner.clear();
    // A lookup still pending must not clear the answer to this join.
    clearTimeout(debounce);
    lookup += 1;
    lookupFailed = false;
    try {
      const joined = await ctx.api.join(joinCode, displayName);
      storeSessionToken(joined.sessionId, joined.token);
      // An exam workshop: every learner takes the mock exam on its own page.
      ctx.navigate(joined.exam ? joined.exam.url : sessionPath(joined.sessionId));
    } catch (err) {
      if (disposed) return;
      ctx.banner.show(messageOf(err));
      if (err instanceof ApiError && err.field === 'displayName') nameInput.focus();
      joinButton.disabled = false;
      joinButton.textContent = 'Join workshop';
    }
  });

  function fieldError(input: HTMLInputElement, message: string): void {
    ctx.banner.show(message);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
  }

  if (code) void showInfo(code);
  return {
    dispose() {
      disposed = true;
      clearTimeout(debounce);
    },
  };
}

function describe(facts: JoinInfoDto): HTMLElement {
  const when = facts.state === 'not-started' ? `Starts ${formatTime(facts.startsAt)}` : facts.state === 'ended' ? 'This workshop has ended.' : `Open until ${formatTime(facts.endsAt)}`;
  return h(
    'div',
    { class: 'join-facts' },
    h('h2', { 'data-testid': 'join-title' }, facts.title),
    h('p', { class: facts.state === 'ended' ? 'fail' : 'muted' }, when, ' · ', h('span', { 'data-testid': 'seats-left' }, `${facts.seatsLeft} ${facts.seatsLeft === 1 ? 'seat' : 'seats'} left`)),
    facts.exam
      ? h('p', { 'data-testid': 'join-exam' }, `Mock exam “${facts.exam.title}”: ${facts.exam.durationMinutes} minutes for everyone, from ${formatTime(facts.exam.startsAt)} to ${formatTime(facts.exam.endsAt)}. Join before the start so your clusters are ready.`)
      : h('ol', { class: 'join-scenarios', 'aria-label': 'Scenarios' }, ...facts.scenarios.map((s) => h('li', {}, s.title))),
  );
}

/** "14:30" today, or a short date and time otherwise. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}
