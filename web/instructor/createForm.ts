/**
 * The create-workshop form: title, scenarios in the order learners take them — or a mock exam
 * every learner takes on one clock from the start — seats, start and end time, optional time
 * limit, background check interval and warm clusters. On success it shows the join code and URL
 * (and the host's capacity note, if any).
 */
import { messageOf } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { boardPath } from '../router.js';
import type { CreateWorkshopBody, CreateWorkshopDto } from '../../server/wire/workshop.js';
import type { ScenarioSummary } from '../../server/wire/types.js';
import type { ExamListDto } from '../../server/wire/exam.js';
import type { InstructorContext } from './login.js';

/** Builds the form; `onCreated` runs after a workshop was created (to refresh the list). */
export function createWorkshopForm(ictx: InstructorContext, scenarios: ScenarioSummary[], onCreated: () => void, exams: ExamListDto['exams'] = []): HTMLElement {
  const chosen: string[] = [];
  const now = new Date();
  const title = input('workshop-title', { required: true, maxlength: 120, placeholder: 'CKS prep — cluster hardening' });
  const seats = input('workshop-seats', { type: 'number', min: 1, max: 200, value: 10, required: true });
  const startsAt = input('workshop-starts', { type: 'datetime-local', value: localInputValue(now) });
  const endsAt = input('workshop-ends', { type: 'datetime-local', value: localInputValue(new Date(now.getTime() + 2 * 3600_000)) });
  const timeLimit = input('workshop-time-limit', { type: 'number', min: 1, max: 600, placeholder: 'none' });
  const checkEvery = input('workshop-check-interval', { type: 'number', min: 10, max: 3600, placeholder: 'off' });
  const warm = input('workshop-warm', { type: 'number', min: 0, max: 200, placeholder: 'one per seat' });
  const exam = h(
    'select',
    { id: 'workshop-exam', name: 'workshop-exam', class: 'input', 'data-testid': 'workshop-exam-select' },
    h('option', { value: '' }, 'No: practice scenarios (pick them below)'),
    ...exams.map((e) => h('option', { value: e.id, disabled: e.unavailable !== undefined, title: e.unavailable ?? '' }, `${e.title} — ${e.durationMinutes} min${e.unavailable ? ' (unavailable on this host)' : ''}`)),
  );
  const order = h('ol', { class: 'chosen-scenarios', 'data-testid': 'chosen-scenarios', 'aria-label': 'Scenarios in order' });
  const result = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'create-workshop' }, 'Create workshop');

  const options = scenarios.map((s) => {
    const box = h('input', { type: 'checkbox', value: s.id, 'data-testid': 'scenario-option', 'data-scenario-id': s.id, disabled: s.unavailable !== undefined });
    box.addEventListener('change', () => {
      const at = chosen.indexOf(s.id);
      if (box.checked && at < 0) chosen.push(s.id);
      if (!box.checked && at >= 0) chosen.splice(at, 1);
      renderOrder();
    });
    return h('label', { class: 'option', title: s.unavailable ?? '' }, box, h('span', {}, s.title), h('span', { class: 'badge' }, `~${s.timeLimitMinutes} min`), s.unavailable ? h('span', { class: 'muted' }, ' (unavailable on this host)') : null);
  });

  function renderOrder(): void {
    const titleOf = (id: string): string => scenarios.find((s) => s.id === id)?.title ?? id;
    replaceChildren(
      order,
      ...chosen.map((id, i) => {
        const up = h('button', { type: 'button', class: 'btn small', 'aria-label': `Move ${titleOf(id)} earlier`, disabled: i === 0 }, '↑');
        up.addEventListener('click', () => {
          chosen.splice(i - 1, 0, ...chosen.splice(i, 1));
          renderOrder();
        });
        return h('li', { 'data-scenario-id': id }, h('span', {}, titleOf(id)), up);
      }),
    );
    if (chosen.length === 0) order.appendChild(h('li', { class: 'muted empty' }, 'Tick the scenarios in the order learners should take them.'));
  }
  renderOrder();

  const picker = h('fieldset', { class: 'scenario-picker' }, h('legend', {}, 'Scenarios'), h('div', { class: 'options' }, ...options), order);
  exam.addEventListener('change', () => {
    // An exam workshop has no scenario list, no per-scenario limit and no background checks.
    picker.hidden = exam.value !== '';
    timeLimit.disabled = exam.value !== '';
    checkEvery.disabled = exam.value !== '';
  });

  const form = h(
    'form',
    { class: 'panel form create-form', 'data-testid': 'create-workshop-form', novalidate: true },
    h('h2', {}, 'New workshop'),
    field('workshop-title', 'Title', title),
    exams.length ? field('workshop-exam', 'Mock exam (every learner takes it, one clock from the start)', exam) : null,
    picker,
    h(
      'div',
      { class: 'field-row' },
      field('workshop-seats', 'Seats', seats),
      field('workshop-starts', 'Starts', startsAt),
      field('workshop-ends', 'Ends', endsAt),
    ),
    h(
      'div',
      { class: 'field-row' },
      field('workshop-time-limit', 'Time limit per scenario (min)', timeLimit),
      field('workshop-check-interval', 'Background check every (s)', checkEvery),
      field('workshop-warm', 'Warm clusters', warm),
    ),
    h('div', { class: 'form-actions' }, submit),
    result,
  );

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    ictx.banner.clear();
    const body = readBody();
    if (typeof body === 'string') return ictx.banner.show(body);
    submit.disabled = true;
    try {
      const created = await ictx.instructor.create(body);
      replaceChildren(result, createdPanel(created));
      onCreated();
    } catch (err) {
      ictx.banner.show(messageOf(err));
    } finally {
      submit.disabled = false;
    }
  });

  /** The body, or a sentence saying what to fix. */
  function readBody(): CreateWorkshopBody | string {
    const name = title.value.trim();
    if (!name) return 'Give the workshop a title.';
    const examId = exam.value;
    if (!examId && chosen.length === 0) return 'Pick at least one scenario, or a mock exam.';
    const seatCount = Number(seats.value);
    if (!Number.isInteger(seatCount) || seatCount < 1) return 'Seats must be a whole number of at least 1.';
    const body: CreateWorkshopBody = examId ? { title: name, scenarios: [], exam: examId, seats: seatCount } : { title: name, scenarios: [...chosen], seats: seatCount };
    const start = isoOf(startsAt.value);
    const end = isoOf(endsAt.value);
    if (start) body.startsAt = start;
    if (end) body.endsAt = end;
    if (start && end && Date.parse(end) <= Date.parse(start)) return 'The workshop must end after it starts.';
    const optional: [HTMLInputElement, 'timeLimitMinutes' | 'backgroundCheckSeconds' | 'warmClusters'][] = [
      [timeLimit, 'timeLimitMinutes'],
      [checkEvery, 'backgroundCheckSeconds'],
      [warm, 'warmClusters'],
    ];
    for (const [el, key] of optional) {
      if (el.value.trim() === '' || el.disabled) continue;
      const n = Number(el.value);
      if (!Number.isInteger(n) || n < 0) return `${el.labels?.[0]?.textContent ?? key} must be a whole number.`;
      body[key] = n;
    }
    return body;
  }
  return form;
}

function createdPanel(created: CreateWorkshopDto): HTMLElement {
  const url = new URL(created.joinUrl, location.origin).href;
  const copy = h('button', { type: 'button', class: 'btn small' }, 'Copy');
  copy.addEventListener('click', () => {
    void navigator.clipboard
      ?.writeText(url)
      .then(() => (copy.textContent = 'Copied'))
      .catch(() => undefined);
  });
  return h(
    'div',
    { class: 'created', 'data-testid': 'workshop-created', role: 'status' },
    h('p', {}, 'Workshop created. Give learners the code or the link:'),
    h('p', { class: 'join-line' }, h('strong', { class: 'join-code', 'data-testid': 'join-code' }, created.joinCode), h('a', { href: url, 'data-testid': 'join-url', target: '_blank', rel: 'noopener' }, url), copy),
    created.capacityNote ? h('p', { class: 'capacity-note', 'data-testid': 'capacity-note', role: 'note' }, created.capacityNote) : null,
    h('a', { class: 'btn primary', href: boardPath(created.id), 'data-link': true, 'data-testid': 'open-board' }, 'Open the live board'),
  );
}

function input(id: string, attrs: Record<string, string | number | boolean>): HTMLInputElement {
  return h('input', { id, name: id, class: 'input', 'data-testid': `${id}-input`, ...attrs });
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/** `YYYY-MM-DDTHH:MM` in local time, as datetime-local inputs want it. */
function localInputValue(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  const t = new Date(local).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
