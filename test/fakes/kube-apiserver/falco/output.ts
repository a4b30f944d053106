/**
 * A rule's `output` as Falco formats it: every `%field` (or `%field[arg]`) is replaced by the
 * event's value, `<NA>` when the event has none; an unknown field is Falco's output compile error.
 * The alert line Falco prints is `<evt.time>: <Priority> <output>` (line()).
 */
import { fieldKind, type Event } from './condition.js';

export type Output = (e: Event) => string;

const TOKEN = /%([a-zA-Z][a-zA-Z0-9_.]*(?:\[[^\]]*\])?)/g;

/** Compiles `format`; throws when it names a field Falco does not know. */
export function compileOutput(format: string): Output {
  for (const m of format.matchAll(TOKEN)) {
    if (!fieldKind(m[1]!)) throw new Error(`invalid formatting token ${m[1]}: filter_check called with nonexistent field ${m[1]}`);
  }
  return (e) =>
    format.replace(TOKEN, (_all, f: string) => {
      const v = e(f);
      return v === undefined || v === '' ? '<NA>' : String(v);
    });
}

/** Falco's text alert line (time_format_iso_8601: false): `HH:MM:SS.nnnnnnnnn: Priority output`. */
export function line(timeNs: bigint, priority: string, output: string): string {
  return `${formatTime(timeNs)}: ${priority} ${output}`;
}

/** `%evt.time` as Falco renders it: the UTC wall clock with nanoseconds (kind nodes run in UTC). */
export function formatTime(timeNs: bigint): string {
  const ms = Number(timeNs / 1_000_000n);
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(timeNs % 1_000_000_000n).padStart(9, '0')}`;
}
