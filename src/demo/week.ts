// Owns the demo's scripted week: who posts what, which slash commands run, the worker being
// killed mid-way, and the digest; each step states what ShipTrack should do and checks it.

import { join } from 'node:path';
import type pg from 'pg';
import type { FakeDiscord, RecordedRequest } from '../fake-discord/index.js';
import { startChild, runOnce, type Child } from './processes.js';
import { oneLine, type Transcript } from './transcript.js';
import { windowEndingAt } from '../digest/window.js';
import { commandLabel } from '../commands/definitions.js';

export interface DemoSummary {
  launchesLogged: number; launchesAllTime: number; reactions: number; reactedMessages: number; reactionPuts: number;
  digest: string; digestParts: number; identifies: number; resumes: number;
}
export interface DemoContext {
  t: Transcript; fake: FakeDiscord; env: NodeJS.ProcessEnv; db: pg.Pool; logDir: string; port: number; dist: string;
  summary?: DemoSummary;
  /** The long-running processes, left up for --keep-running. */
  children?: { web: Child; worker: Child };
}

const DECISION = (id: string) => new RegExp(`<\\d>launch\\.(logged|ignored|edited|deleted) .*message_ids?=[0-9,]*${id}`);

export async function playWeek(ctx: DemoContext): Promise<void> {
  const { t, fake, env, dist } = ctx;
  const bin = (name: string) => join(dist, `${name}.js`);
  const log = (name: string) => join(ctx.logDir, `${name}.log`);

  t.scene('The sysadmin starts ShipTrack');
  const migrate = await runOnce('migrate', bin('migrate'), [], env, log('migrate'));
  t.expect(migrate.code === 0, `migrate exited ${migrate.code}`);
  t.system(`migrations: ${oneLine(migrate.lines.find((l) => l.includes('migrate.done')) ?? '(no output)')}`);

  const web = startChild('web', bin('web'), [], env, log('web'));
  await web.waitForLine(/web\.listening/);
  fake.setInteractionUrl(`http://127.0.0.1:${ctx.port}/api/discord/interact`);
  const check = await fake.validateEndpoint();
  t.system(`web service (pid ${web.proc.pid}) listening; Discord checks the endpoint URL: ${check.ok ? 'accepted' : 'REJECTED'} (${check.details.join('; ')})`);
  t.expect(check.ok, 'Discord would reject the interactions endpoint');

  const reg = await runOnce('register-commands', bin('register-commands'), [], env, log('register-commands'));
  const cmds = fake.registeredCommands(fake.guildId) as { name: string; type?: number }[];
  t.system(`register-commands → ${cmds.map(commandLabel).join(', ')} registered to the guild`);
  t.expect(reg.code === 0 && cmds.length >= 3, 'commands were not registered');

  let worker = startWorker(ctx);
  await worker.waitForLine(/gateway.*(ready|resumed)|worker\.ready/i, 30_000);
  t.system(`worker (pid ${worker.proc.pid}) connected to the gateway (IDENTIFY #${fake.gateway.identifyCount})`);

  const m = (name: string) => fake.addMember({ username: name });
  const ada = m('ada'), bob = m('bob'), cy = m('cy'), dee = m('dee'), eve = m('eve');
  const startPuts = fake.reactionPuts().length;

  const post = async (who: { id: string; username: string }, content: string) => {
    t.member(who.username, `posts in #i-shipped: "${oneLine(content)}"`);
    const msg = fake.postMessage({ channelId: fake.channels.shipped, authorId: who.id, content });
    await explain(ctx, worker, msg.id);
    return msg;
  };

  t.scene('Monday to Wednesday in #i-shipped');
  await post(ada, 'Just shipped Pocket Ledger 1.0 🎉 https://ledger.example');
  await post(bob, 'anyone tried the new coffee place near the station?');
  await post(cy, 'Wrote up how I do invoicing: https://cy.example/blog/invoicing');
  const deeMsg = await post(dee, 'Launched my portfolio https://dee.example');
  t.member('dee', 'edits it: "Launched my portfolio, now with dark mode https://dee.example"');
  fake.editMessage(fake.channels.shipped, deeMsg.id, 'Launched my portfolio, now with dark mode https://dee.example');
  await explain(ctx, worker, deeMsg.id, 2);
  const eveMsg = await post(eve, 'Released a build by mistake https://oops.example');
  t.member('eve', 'deletes that message');
  fake.deleteMessage(fake.channels.shipped, eveMsg.id);
  await explain(ctx, worker, eveMsg.id, 2);
  const bobMsg = await post(bob, 'working on something, more soon');
  t.member('bob', 'edits it: "It is live! https://bob.example"');
  fake.editMessage(fake.channels.shipped, bobMsg.id, 'It is live! https://bob.example');
  await explain(ctx, worker, bobMsg.id, 2);
  t.member('CI hook', 'a webhook posts "v2.3 released https://ci.example/builds/42"');
  const hook = fake.postMessage({ channelId: fake.channels.shipped, authorId: cy.id, content: 'v2.3 released https://ci.example/builds/42', webhookId: '1100000000000000001' });
  await explain(ctx, worker, hook.id);

  t.scene('Slash commands');
  await command(ctx, cy, 'ship', [{ name: 'product', type: 3, value: 'Typewriter — a distraction-free editor https://typewriter.example' }]);
  await command(ctx, dee, 'ship', [{ name: 'product', type: 3, value: '   ' }], /ephemeral/);
  await command(ctx, eve, 'leaderboard', []);

  t.scene('Members correct the log');
  const wrong = await post(cy, 'Shipped the new pricing page https://wrong-link.example');
  t.member('cy', 'notices the link is wrong and types /unship launch:pricing');
  const suggest = await fake.autocomplete({ userId: cy.id, name: 'unship', options: [{ name: 'launch', type: 3, value: 'pricing', focused: true }] });
  t.bot(`suggests cy's own launches as they type (${Math.round(suggest.latencyMs)} ms): ${(suggest.choices ?? []).map((c) => `"${c.name}"`).join(', ') || '(none)'}`);
  const pick = suggest.choices?.find((c) => c.name.includes('wrong-link'));
  t.expect(suggest.outcome === 'ok' && pick !== undefined, '/unship did not suggest the mistaken launch');
  await command(ctx, cy, 'unship', [{ name: 'launch', type: 3, value: String(pick?.value ?? '') }], /ephemeral/);
  const rocketGone = !fake.reactions(fake.channels.shipped, wrong.id).some((r) => r.emoji === '🚀');
  t.bot(rocketGone ? 'took its 🚀 off cy\'s message' : 'left the 🚀 on the message?!');
  t.expect(rocketGone, 'the 🚀 of the un-shipped launch is still on the message');
  const mo = m('mo');
  fake.makeModerator(mo.id);
  t.system('mo is a moderator (a role with Manage Messages)');
  const missed = fake.postMessage({ channelId: fake.channels.general, authorId: dee.id, content: 'Pocket Ledger for iPad is out today! https://ipad.example' });
  t.member('dee', `posts in #general (not watched): "${oneLine(missed.content)}"`);
  await messageCommand(ctx, bob, 'Log as launch', fake.channels.general, missed.id, /^Only the message's author or a moderator/);
  await messageCommand(ctx, mo, 'Log as launch', fake.channels.general, missed.id, /^🚀 Logged/);
  const rocketOn = fake.reactions(fake.channels.general, missed.id).some((r) => r.emoji === '🚀');
  t.bot(rocketOn ? 'reacted 🚀 on dee\'s message in #general' : 'did not react?!');
  t.expect(rocketOn, 'the message logged with "Log as launch" got no 🚀');
  const profile = await command(ctx, bob, 'profile', [{ name: 'user', type: 6, value: ada.id }]);
  t.expect(/🔥 Weekly streak: \d+ weeks? · best \d+ weeks?/.test(profile), '/profile shows no streak');

  t.scene('Thursday: the worker crashes (SIGKILL) and comes back');
  const identifiesBefore = fake.gateway.identifyCount;
  t.system('kill -9 the worker');
  await worker.stop('SIGKILL');
  const downMsgs = [
    fake.postMessage({ channelId: fake.channels.shipped, authorId: eve.id, content: 'Shipped Tiny Forms while your bot was down https://forms.example' }),
    fake.postMessage({ channelId: fake.channels.shipped, authorId: ada.id, content: 'brb, lunch' }),
  ];
  t.member('eve', `posts while the worker is down: "${oneLine(downMsgs[0]!.content)}"`);
  t.member('ada', `posts while the worker is down: "${downMsgs[1]!.content}"`);
  worker = startWorker(ctx);
  t.system(`systemd restarts the worker (pid ${worker.proc.pid})`);
  await worker.waitForLine(/gateway.*(ready|resumed)|worker\.ready/i, 30_000);
  const resumed = fake.gateway.identifyCount === identifiesBefore;
  t.bot(resumed ? `resumed the same gateway session (RESUME #${fake.gateway.resumeCount}); Discord replays what it missed`
    : 'started a new session and backfilled the channel history it missed');
  for (const msg of downMsgs) await explain(ctx, worker, msg.id);

  t.scene('Monday 09:00 UTC: the digest timer fires');
  const window = windowEndingAt(new Date(Date.now() + 7 * 86400_000));
  const now = new Date(window.end.getTime() + 60_000).toISOString();
  const prior = await ctx.db.query<{ status: string }>('SELECT status FROM digests WHERE window_start = $1', [window.start]);
  t.note(`(the demo runs the digest as if it were ${now}: window ${window.isoWeek} = [${window.start.toISOString()}, ${window.end.toISOString()}))`);
  const digest = await runOnce('digest', bin('digest'), ['--now', now], env, log('digest'));
  t.expect(digest.code === 0, `digest exited ${digest.code}`);
  const parts = fake.botMessages(fake.channels.announcements);
  for (const [i, p] of parts.entries()) {
    t.bot(`posted digest part ${i + 1}/${parts.length} in #announcements (allowed_mentions ${JSON.stringify(fake.messageMeta(p.id)?.allowedMentions)}):`);
    t.block(p.content);
  }
  let digestText: string;
  if (prior.rows[0]) {
    digestText = `${window.isoWeek} was already posted by an earlier demo run (${prior.rows[0].status}); posted nothing this time (exactly once)`;
    t.bot(digestText);
    t.expect(parts.length === 0, 'a digest already posted was posted again');
  } else {
    digestText = `${parts.length} part(s) posted for ${window.isoWeek}`;
    t.expect(parts.length >= 1, 'no digest was posted');
    const all = parts.map((p) => p.content).join('\n');
    for (const who of [ada, bob, cy, dee, eve]) t.expect(all.includes(`<@${who.id}>`), `digest does not name ${who.username}`);
    t.expect(!all.includes('oops.example'), 'the deleted launch appeared in the digest');
    t.expect(!all.includes('wrong-link.example'), 'the un-shipped launch appeared in the digest');
    t.expect(all.includes('ipad.example'), 'the launch logged with "Log as launch" is not in the digest');
    t.expect(parts.every((p) => JSON.stringify(fake.messageMeta(p.id)?.allowedMentions) === '{"parse":[]}'), 'a digest part could ping someone');
    const again = await runOnce('digest', bin('digest'), ['--now', now], env, log('digest'));
    t.expect(again.code === 0 && fake.botMessages(fake.channels.announcements).length === parts.length, 'running the digest twice posted twice');
    const said = again.lines.some((l) => l.includes('digest.already_posted'));
    t.system(`the timer fires again by mistake: ${said ? `the digest finds ${window.isoWeek} already posted and posts nothing` : 'no "already posted" in its log?!'}`);
    t.expect(said, 'the second digest run did not say the week was already posted');
  }

  ctx.children = { web, worker };
  const expected = [deeMsg.id, bobMsg.id, downMsgs[0]!.id, missed.id];
  const rows = await ctx.db.query<{ n: number; all: number }>(
    `SELECT count(*) FILTER (WHERE guild_id = $1 AND deleted_at IS NULL)::int AS n, count(*) FILTER (WHERE deleted_at IS NULL)::int AS all FROM launches`, [fake.guildId]);
  const puts = fake.reactionPuts().slice(startPuts);
  const reactedMessages = new Set(puts.map((p) => p.messageId));
  const reactions = [fake.channels.shipped, fake.channels.general].reduce((sum, ch) =>
    sum + fake.messages(ch).reduce((n, msg) => n + fake.reactions(ch, msg.id).reduce((k, r) => k + r.userIds.length, 0), 0), 0);
  t.expect(rows.rows[0]!.n === 6, `expected 6 live launches this run (4 in #i-shipped + 1 /ship + 1 logged by a moderator), found ${rows.rows[0]!.n}`);
  for (const id of expected) t.expect(reactedMessages.has(id), `message ${id} got no 🚀`);
  // Six launch-shaped messages in #i-shipped (one later deleted, one un-shipped, each taking its 🚀
  // with it) and the one logged by hand in #general: one PUT each.
  t.expect(reactedMessages.size === 7 && puts.length === 7, `expected exactly one 🚀 PUT on each of 7 messages, got ${puts.length} PUTs on ${reactedMessages.size}`);
  t.expect(reactions === 5, `expected 5 🚀 still on messages (4 in #i-shipped, 1 in #general), found ${reactions}`);
  ctx.summary = {
    launchesLogged: rows.rows[0]!.n, launchesAllTime: rows.rows[0]!.all, reactions, reactedMessages: reactedMessages.size, reactionPuts: puts.length,
    digest: digestText, digestParts: parts.length, identifies: fake.gateway.identifyCount, resumes: fake.gateway.resumeCount,
  };
}

function startWorker(ctx: DemoContext): Child {
  return startChild('worker', join(ctx.dist, 'worker.js'), [], ctx.env, join(ctx.logDir, 'worker.log'));
}

/** Waits for the worker's decision about message `id` (the n-th one) and tells it like a person would. */
async function explain(ctx: DemoContext, worker: Child, id: string, nth = 1): Promise<void> {
  const line = await worker.waitForLine(DECISION(id), 20_000, nth).catch(() => undefined);
  if (!line) { ctx.t.expect(false, `the worker never decided about message ${id}`); return; }
  const reason = /reason=(\S+)/.exec(line)?.[1];
  const event = /launch\.(\w+)/.exec(line)![1];
  if (event === 'logged') {
    const word = /word=(\S+)/.exec(line)?.[1];
    if (await waitForReaction(ctx.fake, id)) ctx.t.bot(`logged it as a launch (word "${word}") and reacted 🚀`);
    else {
      ctx.t.bot(`logged it as a launch (word "${word}"), but no 🚀 arrived`);
      ctx.t.expect(false, `no 🚀 PUT for message ${id} within ${REACTION_WAIT_MS / 1000} s of the worker logging it (see the worker's log)`);
    }
  } else if (event === 'edited') ctx.t.bot('updated the logged launch with the new text');
  else if (event === 'deleted') ctx.t.bot('soft-deleted the launch (kept for audit, gone from every list and the digest)');
  else ctx.t.bot(`ignored it (${reason})`);
}

/**
 * How long the demo waits for a 🚀 once the worker has logged the launch. It normally takes
 * milliseconds; a machine busy enough to need longer is told so rather than timed out early.
 */
export const REACTION_WAIT_MS = 30_000;

/**
 * Resolves true once the fake Discord has received the 🚀 PUT for `messageId` (or already had),
 * false after `waitMs` without it. The transcript then says what happened: it used to go on after
 * 15 s as if the 🚀 had come.
 */
export function waitForReaction(fake: Pick<FakeDiscord, 'reactionPuts' | 'events'>, messageId: string, waitMs = REACTION_WAIT_MS): Promise<boolean> {
  if (fake.reactionPuts().some((p) => p.messageId === messageId)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (seen: boolean) => { clearTimeout(timer); fake.events.off('request', onReq); resolve(seen); };
    const timer = setTimeout(() => done(false), waitMs);
    const onReq = (r: RecordedRequest) => {
      if (r.method === 'PUT' && r.path.includes(`/messages/${messageId}/reactions/`)) done(true);
    };
    fake.events.on('request', onReq);
  });
}

/** A member right-clicks a message → Apps → `name`; `expect` is what the private answer must say. */
async function messageCommand(ctx: DemoContext, who: { id: string; username: string }, name: string, channelId: string, messageId: string, expect: RegExp): Promise<void> {
  const channel = ctx.fake.world.channels.get(channelId)?.name ?? channelId;
  ctx.t.member(who.username, `right-clicks that message in #${channel} → Apps → "${name}"`);
  const r = await ctx.fake.runMessageCommand({ userId: who.id, name, channelId, messageId });
  const body = r.body as { data?: { content?: string; flags?: number } } | undefined;
  const content = body?.data?.content ?? (r.original as { content?: string } | undefined)?.content ?? '';
  ctx.t.bot(`answers only them (ephemeral) in ${Math.round(r.latencyMs)} ms:`);
  ctx.t.block(content);
  ctx.t.expect(r.status === 200 && !r.late && r.ephemeral, `"${name}" was not answered privately in time (status ${r.status})`);
  ctx.t.expect(expect.test(content), `"${name}" answered "${oneLine(content)}", expected ${String(expect)}`);
}

async function command(ctx: DemoContext, who: { id: string; username: string }, name: string, options: { name: string; type: number; value: string }[], expectFlag?: RegExp): Promise<string> {
  const shown = options.map((o) => (o.type === 6 ? `@${ctx.fake.members.find((mm) => mm.id === o.value)?.username ?? o.value}` : `"${o.value}"`)).join(' ');
  ctx.t.member(who.username, `runs /${name} ${shown}`);
  const r = await ctx.fake.runCommand({ userId: who.id, name, options });
  const body = r.body as { type?: number; data?: { content?: string; flags?: number } } | undefined;
  const content = body?.data?.content ?? (r.original as { content?: string } | undefined)?.content ?? '';
  const ephemeral = ((body?.data?.flags ?? 0) & 64) !== 0;
  ctx.t.bot(`${ephemeral ? 'answers only them (ephemeral)' : 'answers in the channel'} in ${Math.round(r.latencyMs)} ms:`);
  ctx.t.block(content);
  ctx.t.expect(r.status === 200 && !r.late, `/${name} was not answered in time (status ${r.status})`);
  if (expectFlag) ctx.t.expect(ephemeral, `/${name} was not answered ephemerally`);
  return content;
}
