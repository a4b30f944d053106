/**
 * A pause/resume gate fed by several backlogs (the attached client's un-acked output, the
 * headless mirror's unparsed output). Each backlog has its own high/low water marks with
 * hysteresis: it starts blocking above `high` and stops blocking below `low`. The gate is
 * paused while any backlog blocks — the pattern of wetty and VS Code's terminal.
 */
export interface WaterMarks {
  high: number;
  low: number;
}

/** One backlog feeding a {@link FlowGate}. */
export interface Backlog {
  /** Report the backlog's current size in characters. */
  set(level: number): void;
  readonly level: number;
}

export class FlowGate {
  private readonly blocking = new Set<string>();
  private paused = false;

  constructor(
    private readonly onPause: () => void,
    private readonly onResume: () => void,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** A named backlog with its marks. */
  backlog(name: string, marks: WaterMarks): Backlog {
    let level = 0;
    const gate = this;
    return {
      get level() {
        return level;
      },
      set(next: number) {
        level = Math.max(0, next);
        if (level > marks.high) gate.blocking.add(name);
        else if (level < marks.low) gate.blocking.delete(name);
        gate.update();
      },
    };
  }

  private update(): void {
    const shouldPause = this.blocking.size > 0;
    if (shouldPause === this.paused) return;
    this.paused = shouldPause;
    if (shouldPause) this.onPause();
    else this.onResume();
  }
}
