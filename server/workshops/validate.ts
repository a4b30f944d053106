import { AppError } from '../errors.js';
import type { ExamDefinition } from '../exams/index.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import type { CreateWorkshopBody } from '../wire/workshop.js';

const MAX_SEATS = 200;

function bad(field: string, message: string): never {
  throw new AppError('bad_request', message, { field });
}

function isoOrUndefined(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) bad(field, `${field} must be a date and time such as 2026-11-23T14:00:00Z`);
  return new Date(v).toISOString();
}

function intOrUndefined(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, `${field} must be a whole number from ${min} to ${max}`);
  return v;
}

export interface WorkshopSpec {
  title: string;
  scenarios: string[];
  seats: number;
  startsAt: string;
  endsAt: string;
  timeLimitMinutes: number | null;
  backgroundCheckSeconds: number | null;
  warmClusters: number;
  /** The mock exam every seat takes (then `scenarios` is empty), or null. */
  exam: ExamDefinition | null;
  /** The shared end of the exam's clock (its duration from `startsAt`), or null. */
  examEndsAt: string | null;
}

/** What the validator needs to know about mock exams (absent: this server offers none). */
export interface WorkshopExamOptions {
  /** Every exam, with why it cannot run on this server (null: it can). */
  list: () => { exam: ExamDefinition; unavailable: string | null }[];
  /** When the clock of `exam` started at `startsAt` runs out. */
  clockEnd: (exam: ExamDefinition, startsAt: string) => string;
}

/** POST /api/workshops body → a checked spec; errors name the field and the fix. */
export function parseCreateWorkshop(body: unknown, catalog: ScenarioCatalog, now = new Date(), exams?: WorkshopExamOptions): WorkshopSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('body', 'Send a JSON object with title, scenarios and seats.');
  const b = body as Partial<Record<keyof CreateWorkshopBody, unknown>>;
  if (typeof b.title !== 'string' || b.title.trim().length === 0 || b.title.length > 120) bad('title', 'title is required: 1 to 120 characters.');
  if (b.exam !== undefined && b.exam !== null) return parseExamWorkshop(b, now, exams);
  if (!Array.isArray(b.scenarios) || b.scenarios.length === 0 || b.scenarios.length > 20) bad('scenarios', 'scenarios must list 1 to 20 scenario ids in the order learners take them.');
  const scenarios = b.scenarios.map((id, i) => {
    if (typeof id !== 'string') bad(`scenarios[${i}]`, `scenarios[${i}] must be a scenario id`);
    try {
      return catalog.require(id).id;
    } catch (e) {
      bad(`scenarios[${i}]`, (e as Error).message);
    }
  });
  // A seat's progress is kept per scenario: the same scenario twice would share one result.
  scenarios.forEach((id, i) => {
    const first = scenarios.indexOf(id);
    if (first !== i) bad(`scenarios[${i}]`, `scenarios[${i}] repeats "${id}" (already scenarios[${first}]); list each scenario once.`);
  });
  if (typeof b.seats !== 'number' || !Number.isInteger(b.seats) || b.seats < 1 || b.seats > MAX_SEATS) bad('seats', `seats must be a whole number from 1 to ${MAX_SEATS}.`);
  const startsAt = isoOrUndefined(b.startsAt, 'startsAt') ?? now.toISOString();
  const endsAt = isoOrUndefined(b.endsAt, 'endsAt') ?? new Date(Date.parse(startsAt) + 2 * 3600_000).toISOString();
  if (Date.parse(endsAt) <= Date.parse(startsAt)) bad('endsAt', 'endsAt must be after startsAt.');
  if (Date.parse(endsAt) <= now.getTime()) bad('endsAt', 'endsAt is in the past.');
  const timeLimit = intOrUndefined(b.timeLimitMinutes, 'timeLimitMinutes', 1, 24 * 60);
  const bg = intOrUndefined(b.backgroundCheckSeconds, 'backgroundCheckSeconds', 10, 3600);
  const warm = intOrUndefined(b.warmClusters, 'warmClusters', 0, MAX_SEATS) ?? b.seats;
  return {
    title: b.title.trim(),
    scenarios,
    seats: b.seats,
    startsAt,
    endsAt,
    timeLimitMinutes: timeLimit ?? null,
    backgroundCheckSeconds: bg ?? null,
    warmClusters: Math.min(warm, b.seats),
    exam: null,
    examEndsAt: null,
  };
}

/** A workshop whose content is a mock exam: every seat takes `exam` on one clock from `startsAt`. */
function parseExamWorkshop(b: Partial<Record<keyof CreateWorkshopBody, unknown>>, now: Date, exams: WorkshopExamOptions | undefined): WorkshopSpec {
  if (b.scenarios !== undefined && !(Array.isArray(b.scenarios) && b.scenarios.length === 0)) {
    bad('exam', 'Send either scenarios (a practice workshop) or exam (every seat takes that mock exam), not both.');
  }
  const list = exams?.list() ?? [];
  const known = list.map((e) => e.exam.id).join(', ') || '(none: this server has no mock exams)';
  if (typeof b.exam !== 'string' || b.exam === '') bad('exam', `exam must be the id of a mock exam. Exams: ${known}`);
  const entry = list.find((e) => e.exam.id === b.exam);
  if (!entry || !exams) bad('exam', `Unknown exam "${b.exam}". Exams: ${known}`);
  if (entry.unavailable) bad('exam', `The exam "${entry.exam.id}" cannot run on this server: ${entry.unavailable}`);
  const exam = entry.exam;
  // The exam runs on the exam's own clock: no per-scenario limit, and no checks that would show results during it.
  if (b.timeLimitMinutes !== undefined && b.timeLimitMinutes !== null && b.timeLimitMinutes !== '') {
    bad('timeLimitMinutes', `timeLimitMinutes is per scenario; an exam workshop runs on the exam's clock (${exam.durationMinutes} minutes from startsAt). Leave it out.`);
  }
  if (b.backgroundCheckSeconds !== undefined && b.backgroundCheckSeconds !== null && b.backgroundCheckSeconds !== '') {
    bad('backgroundCheckSeconds', 'backgroundCheckSeconds would show results during the exam; an exam is graded once, at its end. Leave it out.');
  }
  if (typeof b.seats !== 'number' || !Number.isInteger(b.seats) || b.seats < 1 || b.seats > MAX_SEATS) bad('seats', `seats must be a whole number from 1 to ${MAX_SEATS}.`);
  const startsAt = isoOrUndefined(b.startsAt, 'startsAt') ?? now.toISOString();
  const examEndsAt = exams.clockEnd(exam, startsAt);
  if (Date.parse(examEndsAt) <= now.getTime()) bad('startsAt', `The exam would already be over: "${exam.title}" runs ${exam.durationMinutes} minutes from startsAt (until ${examEndsAt}). Choose a later start.`);
  const defaultEnd = Math.max(Date.parse(startsAt) + 2 * 3600_000, Date.parse(examEndsAt));
  const endsAt = isoOrUndefined(b.endsAt, 'endsAt') ?? new Date(defaultEnd).toISOString();
  if (Date.parse(endsAt) <= Date.parse(startsAt)) bad('endsAt', 'endsAt must be after startsAt.');
  if (Date.parse(endsAt) < Date.parse(examEndsAt)) {
    bad('endsAt', `endsAt is before the exam ends: "${exam.title}" runs ${exam.durationMinutes} minutes from startsAt, until ${examEndsAt}. Set endsAt to that time or later.`);
  }
  const warm = intOrUndefined(b.warmClusters, 'warmClusters', 0, MAX_SEATS) ?? b.seats;
  return {
    title: (b.title as string).trim(),
    scenarios: [],
    seats: b.seats,
    startsAt,
    endsAt,
    timeLimitMinutes: null,
    backgroundCheckSeconds: null,
    warmClusters: Math.min(warm, b.seats),
    exam,
    examEndsAt,
  };
}

/** A display name: trimmed, 1–40 characters, printable. */
export function parseDisplayName(v: unknown): string {
  if (typeof v !== 'string') bad('displayName', 'Enter your name (1 to 40 characters).');
  const name = v.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (name.length === 0) bad('displayName', 'Enter your name (1 to 40 characters).');
  if (name.length > 40) bad('displayName', `That name is ${name.length} characters long; use at most 40.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f<>]/.test(name)) bad('displayName', 'Use letters, digits, spaces and simple punctuation in your name.');
  const hidden = invisibleFormatChar(name);
  if (hidden) {
    bad('displayName', `Your name contains an invisible formatting character (${hidden}) that can reorder or hide text on the board. Type your name again without it.`);
  }
  return name;
}

/**
 * The first invisible format character (Unicode category Cf: bidi controls U+202A–U+202E and
 * U+2066–U+2069, marks U+200E/U+200F/U+061C, zero-width space, word joiner, BOM, soft hyphen,
 * tags…) as `U+XXXX`, or null. Zero-width (non-)joiners are allowed between letters, where
 * Persian, Indic scripts and emoji sequences need them, but not at either end.
 */
function invisibleFormatChar(name: string): string | null {
  const chars = [...name];
  for (const [i, ch] of chars.entries()) {
    if (!/\p{Cf}/u.test(ch)) continue;
    const joiner = ch === '\u200c' || ch === '\u200d';
    if (joiner && i > 0 && i < chars.length - 1) continue;
    return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return null;
}

/** Join codes: 6 characters without look-alikes (0/O, 1/I/L). */
export const JOIN_CODE = /^[A-HJKMNP-Z2-9]{6}$/;

export function parseJoinCode(v: unknown): string {
  const code = typeof v === 'string' ? v.trim().toUpperCase() : '';
  if (!JOIN_CODE.test(code)) bad('joinCode', 'A join code is 6 letters and digits, like K7MX2Q. Check it with your instructor.');
  return code;
}
