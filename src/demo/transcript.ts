// Owns how the demo talks to a newcomer: short, readable lines grouped by scene, and the tally
// of expectations that decides the exit code. Knows nothing about processes or Discord.

const useColour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s);
export const dim = paint('2'), bold = paint('1'), green = paint('32'), red = paint('31'), cyan = paint('36'), yellow = paint('33');

export class Transcript {
  readonly failures: string[] = [];
  private checks = 0;

  scene(title: string): void { process.stdout.write(`\n${bold(`── ${title} `)}${bold('─'.repeat(Math.max(0, 70 - title.length)))}\n`); }
  member(who: string, what: string): void { process.stdout.write(`  ${cyan(who.padEnd(8))} ${what}\n`); }
  bot(what: string): void { process.stdout.write(`  ${green('ShipTrack')} ${what}\n`); }
  system(what: string): void { process.stdout.write(`  ${yellow('system  ')} ${what}\n`); }
  note(what: string): void { process.stdout.write(`  ${dim(what)}\n`); }
  block(text: string): void { for (const line of text.split('\n')) process.stdout.write(`  ${dim('│')} ${line}\n`); }

  /** Records an expectation; a false one is printed at once and fails the demo. */
  expect(ok: boolean, what: string): void {
    this.checks++;
    if (!ok) { this.failures.push(what); process.stdout.write(`  ${red('✗ unexpected:')} ${what}\n`); }
  }
  get checked(): number { return this.checks; }
}

/** Shortens a Discord message for one transcript line. */
export function oneLine(text: string, max = 90): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
