/** How far back to look for an unfinished escape sequence. */
const WINDOW = 4096;

type State = 'ground' | 'esc' | 'csi' | 'string' | 'stringEsc';
type StepState = Exclude<State, 'stringEsc'>;

const STRING_INTRODUCERS = new Set([']', 'P', '_', '^', 'X']);

/**
 * The unfinished escape sequence (if any) at the end of `text`, e.g. `"\x1b[3"` for
 * `"abc\x1b[3"`. A serialized screen does not carry the parser's half-read state, so a replay
 * appends this tail to let the live continuation (`"1m"`) complete the sequence.
 */
export function incompleteEscapeTail(text: string): string {
  const from = Math.max(0, text.length - WINDOW);
  let state: State = 'ground';
  let start = 0;
  let stringEscAt = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text.charAt(i);
    const code = ch.charCodeAt(0);
    if (code === 0x18 || code === 0x1a) {
      state = 'ground'; // CAN / SUB abort any sequence
      continue;
    }
    if (ch === '\x1b') {
      if (state === 'string') {
        state = 'stringEsc';
        stringEscAt = i;
      } else {
        state = 'esc';
        start = i;
      }
      continue;
    }
    if (state === 'stringEsc') {
      // ESC \ ends the string; any other ESC x aborts it and starts a new sequence there.
      state = ch === '\\' ? 'ground' : step('esc', ch, code);
      start = stringEscAt;
      continue;
    }
    state = step(state, ch, code);
  }
  return state === 'ground' ? '' : text.slice(start);
}

function step(state: StepState, ch: string, code: number): StepState {
  switch (state) {
    case 'ground':
      return 'ground';
    case 'esc':
      if (ch === '[') return 'csi';
      if (STRING_INTRODUCERS.has(ch)) return 'string';
      return code >= 0x20 && code <= 0x2f ? 'esc' : 'ground';
    case 'csi':
      return code >= 0x40 && code <= 0x7e ? 'ground' : 'csi';
    case 'string':
      return code === 0x07 ? 'ground' : 'string';
  }
}
