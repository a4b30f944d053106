/** A counting semaphore with a FIFO queue whose position can be asked. */
export class Semaphore {
  private active = 0;
  private readonly waiters: { id: string; resolve: () => void }[] = [];

  constructor(private readonly limit: number) {}

  async acquire(id: string, onQueued?: (position: number) => void): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve) => {
      this.waiters.push({ id, resolve });
      onQueued?.(this.waiters.length);
    });
    return this.releaser();
  }

  /** 1-based place in the queue, or 0 when not waiting. */
  position(id: string): number {
    return this.waiters.findIndex((w) => w.id === id) + 1;
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next) next.resolve();
      else this.active--;
    };
  }
}
