/** The instructor's home (`/instructor`): their workshops and the form to create one. */
import { messageOf } from '../api.js';
import type { Page, PageContext } from '../context.js';
import { h, replaceChildren } from '../dom.js';
import { formatTime } from '../join.js';
import { boardPath } from '../router.js';
import type { WorkshopSummaryDto } from '../../server/wire/workshop.js';
import { isUnauthorized } from './api.js';
import { createWorkshopForm } from './createForm.js';
import { withInstructor, type InstructorContext } from './login.js';

/** Renders /instructor (behind the token gate). */
export function renderInstructorHome(root: HTMLElement, ctx: PageContext): Page {
  return withInstructor(root, ctx, (ictx) => home(root, ictx));
}

function home(root: HTMLElement, ictx: InstructorContext): Page {
  let disposed = false;
  const list = h('section', { class: 'workshop-list', 'data-testid': 'workshop-list', 'aria-label': 'Workshops' }, h('p', { class: 'muted' }, 'Loading workshops…'));
  const formBox = h('div', {}, h('p', { class: 'muted' }, 'Loading scenarios…'));
  const signOut = h('button', { type: 'button', class: 'btn', 'data-testid': 'instructor-sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => ictx.signOut());
  replaceChildren(root, h('main', { class: 'page' }, h('header', { class: 'page-header' }, h('h1', {}, 'Workshops'), signOut), list, formBox));

  async function refresh(): Promise<void> {
    try {
      const { workshops } = await ictx.instructor.workshops();
      if (disposed) return;
      replaceChildren(list, workshops.length === 0 ? h('p', { class: 'muted' }, 'No workshops yet: create one below.') : workshopTable(workshops));
    } catch (err) {
      if (disposed) return;
      if (isUnauthorized(err)) return ictx.signOut(messageOf(err));
      replaceChildren(list, h('p', { class: 'muted' }, 'The workshops could not be loaded.'));
      ictx.banner.show(messageOf(err));
    }
  }

  void refresh();
  void (async () => {
    try {
      const [{ scenarios }, { exams }] = await Promise.all([ictx.api.catalog(), ictx.api.exams().catch(() => ({ exams: [] }))]);
      if (!disposed) replaceChildren(formBox, createWorkshopForm(ictx, scenarios, () => void refresh(), exams));
    } catch (err) {
      if (!disposed) ictx.banner.show(messageOf(err));
    }
  })();
  return {
    dispose() {
      disposed = true;
    },
  };
}

function workshopTable(workshops: WorkshopSummaryDto[]): HTMLElement {
  return h(
    'table',
    { class: 'table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Title'), h('th', {}, 'Join code'), h('th', {}, 'Seats'), h('th', {}, 'Scenarios'), h('th', {}, 'When'), h('th', {}, 'State'))),
    h(
      'tbody',
      {},
      ...workshops.map((w) =>
        h(
          'tr',
          { 'data-testid': 'workshop-row', 'data-workshop-id': w.id },
          h('td', {}, h('a', { href: boardPath(w.id), 'data-link': true }, w.title)),
          h('td', {}, h('code', {}, w.joinCode)),
          h('td', {}, `${w.seatsTaken} / ${w.seats}`),
          h('td', {}, w.exam ? `Mock exam: ${w.exam.title}` : w.scenarios.map((s) => s.title).join(' → ')),
          h('td', {}, `${formatTime(w.startsAt)} – ${formatTime(w.endsAt)}`),
          h('td', {}, h('span', { class: `badge state-${w.state}` }, w.state)),
        ),
      ),
    ),
  );
}
