// Owns "one job at a time, in the order added": the one serial queue behind REST buckets, the
// IDENTIFY buckets, dispatch delivery, ingest, status writes and systemd notifications.
// Does not retry, time out or log: a failed job rejects its own promise and the next job runs.

interface Job {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  onDrop: (() => void) | undefined;
}

export class SerialQueue {
  private readonly waiting: Job[] = [];
  private running = false;
  private busy = false;
  private idlePromise: Promise<void> | undefined;
  private idleResolve: (() => void) | undefined;

  /** Jobs added but not started yet. */
  get size(): number { return this.waiting.length; }
  /** Jobs not finished yet: the waiting ones plus the one running, if any. */
  get pending(): number { return this.waiting.length + (this.running ? 1 : 0); }

  /** Resolves once nothing is waiting or running (at once when the queue is already idle). */
  get idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    this.idlePromise ??= new Promise((r) => { this.idleResolve = r; });
    return this.idlePromise;
  }

  /**
   * Runs `run` after every job added before it has settled; with nothing queued it starts at once
   * (synchronously). The promise settles as `run` does. A job dropped by clear() never settles:
   * pass `onDrop` to hear about it.
   */
  add<T>(run: () => T | PromiseLike<T>, onDrop?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run, resolve: resolve as (value: unknown) => void, reject, onDrop });
      // `busy` is set before the first job runs, so a job that adds another cannot start a second loop.
      if (!this.busy) {
        this.busy = true;
        void this.drain();
      }
    });
  }

  /** Drops every job that has not started (calling its onDrop); the running one finishes. Returns how many. */
  clear(): number {
    const dropped = this.waiting.splice(0);
    for (const job of dropped) job.onDrop?.();
    return dropped.length;
  }

  private async drain(): Promise<void> {
    for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
      this.running = true;
      try {
        job.resolve(await job.run());
      } catch (err) {
        job.reject(err);
      }
      this.running = false;
    }
    this.busy = false;
    const resolve = this.idleResolve;
    this.idlePromise = undefined;
    this.idleResolve = undefined;
    resolve?.();
  }
}
