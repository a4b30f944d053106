/** Short learner-facing renderings shared by the check runners. */
import type { ObjectRef } from '../../scenarios/types.js';

/** `Pod init-lab/web`, or `RuntimeClass gvisor` for cluster-scoped objects. */
export function refText(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** A value as kubectl would print it: strings bare, everything else as compact JSON. */
export function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

/** `text` cut to `max` characters with an ellipsis; newlines shown as ⏎. */
export function excerpt(text: string, max = 80): string {
  const oneLine = text.trim().replace(/\r?\n/g, ' ⏎ ');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** A quoted excerpt, or `(empty)`. */
export function quoted(text: string, max = 80): string {
  return text.trim() === '' ? '(empty)' : `"${excerpt(text, max)}"`;
}

/** A regular expression from scenario text, `m` flag so `^`/`$` work per line. */
export function authorRegex(pattern: string): RegExp {
  return new RegExp(pattern, 'm');
}
