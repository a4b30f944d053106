import { KIND_PHASES, type KindPhase } from './types.js';

/** One status event parsed from kind's stderr. */
export interface KindStatusEvent {
  phase: KindPhase;
  state: 'started' | 'done' | 'failed';
  /**
   * The status text without kind's emoji, e.g. `Ensuring node image (kindest/node:v1.33.1)` for
   * ` ✓ Ensuring node image (kindest/node:v1.33.1) 🖼`: learners' fonts often lack them (empty boxes).
   */
  text: string;
}

// kind's status printer (pkg/internal/cli/status.go): ` • <status>  ...` when a phase starts
// (no TTY), ` ✓ <status>` when it ends, ` ✗ <status>` when it fails; colours on a TTY.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const LINE = /^\s*([•✓✗])\s+(.*?)\s*(?:\.\.\.)?\s*$/u;
/**
 * Emoji and their glue (variation selectors, zero-width joiner, keycap, skin tones, flags, tags).
 * Not `\p{Emoji}`: it includes digits, `#` and `*`, which kind's texts need.
 */
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u{FE0E}\u{FE0F}\u{200D}\u{20E3}\u{E0020}-\u{E007F}]/gu;

/** kind's status text as a learner should read it: without emoji, single spaces. */
function plainStatusText(text: string): string {
  return text.replace(EMOJI, '').replace(/\s+/g, ' ').trim();
}

/** Parse one line of kind output; null when it is not a phase status line. */
export function parseKindStatusLine(raw: string): KindStatusEvent | null {
  const line = raw.replace(ANSI, '').replace(/\r/g, '');
  const m = LINE.exec(line);
  if (!m) return null;
  const text = plainStatusText(m[2] ?? '');
  // The phase exactly, then the end or a space: `Preparing nodesX` is not a phase.
  const phase = KIND_PHASES.find((p) => text === p || text.startsWith(`${p} `));
  if (!phase) return null;
  const mark = m[1];
  return { phase, text, state: mark === '•' ? 'started' : mark === '✓' ? 'done' : 'failed' };
}

/** Splits a stream of stderr chunks into lines and reports phase events. */
export class KindStatusParser {
  private buffer = '';
  private readonly errors: string[] = [];

  constructor(private readonly onEvent: (e: KindStatusEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    const parts = this.buffer.split(/\r?\n|\r/);
    this.buffer = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }

  end(): void {
    if (this.buffer) this.line(this.buffer);
    this.buffer = '';
  }

  /** `ERROR: …` lines kind printed (its failure reasons). */
  errorLines(): string[] {
    return [...this.errors];
  }

  private line(line: string): void {
    const clean = line.replace(ANSI, '');
    if (clean.startsWith('ERROR:')) this.errors.push(clean.slice('ERROR:'.length).trim());
    const e = parseKindStatusLine(clean);
    if (e) this.onEvent(e);
  }
}

/** Turn kind's raw failure output into a sentence a learner can act on. */
export function explainKindFailure(stderr: string): { code: 'docker_unavailable' | 'cluster_failed'; message: string } {
  const text = stderr.replace(ANSI, '');
  if (/Cannot connect to the Docker daemon|docker daemon running|permission denied while trying to connect to the Docker daemon/i.test(text)) {
    return {
      code: 'docker_unavailable',
      message:
        'Docker is not running or this server cannot reach it, so no cluster can be created. Start Docker (e.g. `sudo systemctl start docker`), make sure the server user may use it, then press Retry.',
    };
  }
  const errorLine = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('ERROR:'));
  const reason = errorLine ? errorLine.slice('ERROR:'.length).trim() : text.trim().split('\n').slice(-1)[0] ?? 'unknown error';
  return { code: 'cluster_failed', message: `kind could not create the cluster: ${reason.slice(0, 400)}` };
}
