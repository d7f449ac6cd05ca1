import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat } from '../../src/discord/gateway/heartbeat.js';
import { ManualClock } from '../helpers/clock.js';

function setup(intervalMs = 1000) {
  const clock = new ManualClock();
  const beats: { kind: string; at: number }[] = [];
  const acks: number[] = [];
  let zombies = 0;
  const t0 = clock.now();
  const hb = new Heartbeat({
    intervalMs, clock,
    sendBeat: (kind) => beats.push({ kind, at: clock.now() - t0 }),
    onZombie: () => { zombies++; },
    onAck: (ms) => acks.push(ms),
  });
  return { clock, beats, acks, hb, zombies: () => zombies };
}

test('first beat after interval * random (jitter), then every interval', () => {
  const { clock, beats, hb } = setup(1000);
  clock.queueRandom(0.25);
  hb.start();
  clock.advance(249);
  assert.equal(beats.length, 0);
  clock.advance(1);
  assert.deepEqual(beats, [{ kind: 'scheduled', at: 250 }]);
  hb.ack(); clock.advance(1000); hb.ack(); clock.advance(1000);
  assert.deepEqual(beats.map((b) => b.at), [250, 1250, 2250]);
});

test('different random draws give different first-beat times, always within [0, interval)', () => {
  const firsts: number[] = [];
  for (const r of [0, 0.3, 0.999]) {
    const { clock, beats, hb } = setup(1000);
    clock.queueRandom(r); hb.start(); clock.advance(1000);
    firsts.push(beats[0]!.at);
  }
  assert.deepEqual(firsts, [0, 300, 999]);
});

test('zombie: a beat falls due while the previous one is un-ACKed → onZombie once, loop stopped', () => {
  const { clock, beats, hb, zombies } = setup(1000);
  clock.queueRandom(0);
  hb.start();
  clock.advance(0);
  assert.equal(beats.length, 1);
  assert.equal(hb.awaitingAck, true);
  clock.advance(999);
  assert.equal(zombies(), 0);
  clock.advance(1);
  assert.equal(zombies(), 1);
  assert.equal(beats.length, 1, 'no beat is sent on the zombie tick');
  clock.advance(10_000);
  assert.equal(zombies(), 1);
  assert.equal(clock.pending(), 0);
});

test('server-requested beat is sent immediately and never triggers the zombie check', () => {
  const { clock, beats, hb, zombies } = setup(1000);
  clock.queueRandom(0);
  hb.start();
  clock.advance(0); // scheduled beat, not ACKed
  clock.advance(500);
  hb.requested();
  assert.deepEqual(beats.map((b) => b.kind), ['scheduled', 'requested']);
  assert.equal(beats[1]!.at, 500);
  assert.equal(zombies(), 0);
  hb.ack(); // the ACK for either beat proves the link is alive
  clock.advance(500);
  assert.equal(zombies(), 0);
  assert.equal(beats.length, 3);
});

test('ack latency is measured from the beat that was sent', () => {
  const { clock, acks, hb } = setup(1000);
  clock.queueRandom(0.1);
  hb.start();
  clock.advance(100);
  clock.advance(37);
  hb.ack();
  assert.deepEqual(acks, [37]);
  assert.equal(hb.latencyMs, 37);
  hb.ack(); // an extra ACK with nothing outstanding carries no latency
  assert.deepEqual(acks, [37]);
  clock.advance(963); // next scheduled beat at 1100
  clock.advance(100);
  hb.ack();
  assert.deepEqual(acks, [37, 100]);
});

test('a requested beat while idle (ACKed) also measures latency', () => {
  const { clock, acks, hb } = setup(1000);
  clock.queueRandom(0.5);
  hb.start();
  clock.advance(100);
  hb.requested();
  clock.advance(20);
  hb.ack();
  assert.deepEqual(acks, [20]);
});

test('stop() clears the first-beat timer and the interval', () => {
  const { clock, beats, hb } = setup(1000);
  clock.queueRandom(0.5);
  hb.start();
  assert.equal(clock.pending(), 1);
  hb.stop();
  assert.equal(clock.pending(), 0);
  clock.advance(5000);
  assert.deepEqual(beats, []);
  hb.requested();
  assert.deepEqual(beats, [], 'a stopped heartbeat sends nothing');
});

test('a fresh Heartbeat starts ACKed even if the previous connection\'s was not (Psycheros#42)', () => {
  const first = setup(1000);
  first.clock.queueRandom(0); first.hb.start(); first.clock.advance(0);
  assert.equal(first.hb.awaitingAck, true);
  first.hb.stop();
  const second = new Heartbeat({ intervalMs: 1000, clock: first.clock, sendBeat: () => {}, onZombie: () => assert.fail('zombie') });
  assert.equal(second.awaitingAck, false);
});
