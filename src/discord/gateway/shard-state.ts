// Owns the shard's state vocabulary and which moves between states are legal. Pure data; the
// shard's transition() is the only caller and the only place state changes.

export type ShardState = 'idle' | 'connecting' | 'identifying' | 'resuming' | 'ready' | 'closing' | 'waiting';

/** idle→waiting (start) →connecting→identifying|resuming→ready; any socket state→closing→waiting|idle. */
export const LEGAL_TRANSITIONS: Readonly<Record<ShardState, readonly ShardState[]>> = {
  idle: ['waiting'],
  waiting: ['connecting', 'idle'],
  connecting: ['identifying', 'resuming', 'closing'],
  identifying: ['ready', 'closing'],
  resuming: ['ready', 'closing'],
  ready: ['closing'],
  closing: ['waiting', 'idle'],
};

/** States in which a socket exists (and teardown has something to close). */
export const SOCKET_STATES: readonly ShardState[] = ['connecting', 'identifying', 'resuming', 'ready'];

export function isLegalTransition(from: ShardState, to: ShardState): boolean {
  return LEGAL_TRANSITIONS[from].includes(to);
}
