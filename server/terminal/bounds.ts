import { MAX_INPUT_CHARS, TERMINAL_BOUNDS, type TerminalSize } from './types.js';

/** Size used when the requested one is unusable. */
export const DEFAULT_TERMINAL_SIZE: TerminalSize = { cols: 80, rows: 24 };

function clampDimension(value: unknown, min: number, max: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

/**
 * A size from untrusted input, clamped to {@link TERMINAL_BOUNDS}; `null` when either
 * dimension is not a finite number (the caller keeps its current size).
 */
export function clampSize(size: unknown): TerminalSize | null {
  if (typeof size !== 'object' || size === null) return null;
  const { cols, rows } = size as Record<string, unknown>;
  const c = clampDimension(cols, TERMINAL_BOUNDS.minCols, TERMINAL_BOUNDS.maxCols);
  const r = clampDimension(rows, TERMINAL_BOUNDS.minRows, TERMINAL_BOUNDS.maxRows);
  return c === null || r === null ? null : { cols: c, rows: r };
}

/** Input from untrusted sources: a non-empty string within {@link MAX_INPUT_CHARS}, else `null`. */
export function validInput(data: unknown): string | null {
  if (typeof data !== 'string' || data.length === 0 || data.length > MAX_INPUT_CHARS) return null;
  return data;
}

/** A character count from an ack: a positive finite number, floored; else `null`. */
export function validCount(n: unknown): number | null {
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
  return Math.floor(n);
}
