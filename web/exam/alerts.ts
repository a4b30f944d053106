/**
 * The exam's time alerts, like the real CKS exam's: at 30, 15 and 5 minutes left. Pure (no DOM):
 * the page feeds it the server's clock at every draw and shows what it answers.
 *
 * What we decided, and why:
 * - The alert shown is the tightest mark the clock has passed, and it only ever tightens. The
 *   page re-reads the server's clock every few seconds; a re-read that lands a few milliseconds
 *   above a mark must not un-pass it and then pass it again (that was a second alert).
 * - Each mark is announced as new ("fresh") at most once per attempt in this browser: the marks
 *   already announced are remembered (the page keeps them in localStorage), so after a reload the
 *   page shows the current state ("Less than 15 minutes left") quietly instead of alerting again.
 * - A page opened after a mark passed — a first visit with 4 minutes left, or a reload after the
 *   5-minute mark passed while the page was closed — shows that state, and announces it if this
 *   browser never did: the candidate must learn that time is short. The wider marks passed before
 *   it (30 and 15 at 4 minutes left) are not announced at all: one alert says it all.
 * - Marks at or beyond the exam's whole length are skipped (a 30-minute exam does not open with a
 *   "30 minutes left" alert). At 0 there is no alert: the exam has ended and the page shows results.
 */

/** Minutes left at which the candidate is warned (the real exam's marks). */
export const ALERT_MINUTES: readonly number[] = [30, 15, 5];

/** What the page should show when the alert changes. */
export interface AlertChange {
  minutes: number;
  /** First time this browser shows this mark for this attempt: announce it. */
  fresh: boolean;
}

/** The alert state of one attempt in one page. */
export class ExamAlerts {
  private level: number | null = null;
  private readonly announced: Set<number>;

  /**
   * @param announced marks this browser already announced for the attempt (from storage)
   * @param save called with every mark announced or passed so far, whenever that set grows
   */
  constructor(
    announced: Iterable<number>,
    private readonly save: (announced: number[]) => void = () => undefined,
  ) {
    this.announced = new Set(announced);
  }

  /** The mark shown now (null before the first one). */
  get minutes(): number | null {
    return this.level;
  }

  /**
   * Call at every draw with the time left and the length of an exam minute (both in ms) and the
   * exam's whole length when known; answers the change to show, or null when nothing changes.
   */
  update(leftMs: number, minuteMs: number, totalMs?: number): AlertChange | null {
    if (leftMs <= 0) return null;
    const passed = ALERT_MINUTES.filter((m) => leftMs <= m * minuteMs && (totalMs === undefined || m * minuteMs < totalMs));
    if (passed.length === 0) return null;
    const tightest = Math.min(...passed);
    if (this.level !== null && tightest >= this.level) return null;
    this.level = tightest;
    const fresh = !this.announced.has(tightest);
    const before = this.announced.size;
    for (const m of passed) this.announced.add(m);
    if (this.announced.size !== before) this.save([...this.announced].sort((a, b) => b - a));
    return { minutes: tightest, fresh };
  }
}
