/**
 * Turns at writing, for the writers of one process that share a database: a stream's
 * micro-batches and the scheduled runs beside it. DuckDB lets one process write, and two of
 * its sessions rebuilding the same table at once conflict; taking turns, first come first
 * served, keeps them apart without either failing.
 */
export class Turns {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `work` once every turn taken before it has ended, however that one ended. */
  take<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.last.then(work, work);
    this.last = turn.catch(() => undefined);
    return turn;
  }
}
