// Owns one connection's heartbeat loop: jittered first beat, periodic beats, ACK tracking,
// zombie detection and server-requested beats. Knows nothing about ws; one instance per HELLO,
// so the ack flag can never leak into a new connection (Psycheros#42).
import type { Clock, TimerHandle } from '../../clock.js';

export interface HeartbeatOptions {
  intervalMs: number;
  clock: Clock;
  /** Send op 1 now. `requested` beats answer a server op 1. */
  sendBeat: (kind: 'scheduled' | 'requested') => void;
  /** A scheduled beat fell due while the previous one was still un-ACKed. The loop has stopped. */
  onZombie: () => void;
  onAck?: (latencyMs: number) => void;
}

export class Heartbeat {
  private readonly opts: HeartbeatOptions;
  private acked = true;
  private sentAt: number | undefined;
  private firstTimer: TimerHandle | undefined;
  private intervalTimer: TimerHandle | undefined;
  private running = false;
  /** Round trip of the most recent ACKed beat. */
  latencyMs: number | undefined;
  lastAckAt: number | undefined;

  constructor(opts: HeartbeatOptions) { this.opts = opts; }

  get awaitingAck(): boolean { return !this.acked; }

  /** First beat after intervalMs * random in [0,1), then every intervalMs (docs/gateway.md §1.3). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { clock, intervalMs } = this.opts;
    const firstMs = Math.floor(intervalMs * clock.random());
    this.firstTimer = clock.setTimeout(() => {
      this.firstTimer = undefined;
      if (!this.running) return;
      this.intervalTimer = clock.setInterval(() => this.tick(), intervalMs);
      this.tick();
    }, firstMs);
  }

  stop(): void {
    this.running = false;
    this.opts.clock.clearTimeout(this.firstTimer);
    this.opts.clock.clearInterval(this.intervalTimer);
    this.firstTimer = undefined;
    this.intervalTimer = undefined;
  }

  /** Server op 1: answer at once; never runs the zombie check (discord.js PR #3993). */
  requested(): void {
    if (!this.running) return;
    if (this.acked) this.sentAt = this.opts.clock.now();
    this.opts.sendBeat('requested');
  }

  /** op 11. An ACK with no beat outstanding still proves life but carries no latency. */
  ack(): void {
    const now = this.opts.clock.now();
    this.acked = true;
    this.lastAckAt = now;
    if (this.sentAt === undefined) return;
    this.latencyMs = now - this.sentAt;
    this.sentAt = undefined;
    this.opts.onAck?.(this.latencyMs);
  }

  private tick(): void {
    if (!this.running) return;
    if (!this.acked) {
      this.stop();
      this.opts.onZombie();
      return;
    }
    this.acked = false;
    this.sentAt = this.opts.clock.now();
    this.opts.sendBeat('scheduled');
  }
}
