import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createLedger, type Ledger } from '../handlers/aws/ledger/index.js';
import { readEntries, type ShareWrite } from '../handlers/aws/ledger/shares.js';
import type { ChannelConfig } from '../handlers/config/schema.js';
import { Pacer } from '../handlers/core/limiter.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { channelLanes, takeTurn } from '../handlers/delivery/dispatcher.js';
import { CLAIM_SKEW_MS } from '../handlers/delivery/limits.js';
import { grant, LiveShare, SHARE_READY_MS, SHARE_WRITE_BUDGET_MS, shareFloor } from '../handlers/delivery/share.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { startDynamoAnswerLoss } from './support/fault-proxies.js';
import { type Harness, messengerJob, sharedService, startHarness } from './support/harness.js';

/** A clock the test moves, and the waits on it that it wakes. */
function fakeClock() {
  const waits: { at: number; wake: () => void }[] = [];
  const clock = {
    now: 1_000_000,
    until: (at: number) => new Promise<void>((wake) => waits.push({ at, wake })),
    sleep: (ms: number) => clock.until(clock.now + ms),
    async advance(ms: number) {
      const end = clock.now + ms;
      for (;;) {
        const next = waits.reduce((soonest, wait) => Math.min(soonest, wait.at), Number.POSITIVE_INFINITY);
        clock.now = Math.max(clock.now, Math.min(next, end));
        for (const wait of waits.filter((entry) => entry.at <= clock.now)) {
          waits.splice(waits.indexOf(wait), 1);
          wait.wake();
        }
        // Lets the woken finish: every promise job runs before the next turn of the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        if (clock.now >= end) return;
      }
    },
  };
  return clock;
}
type Clock = ReturnType<typeof fakeClock>;

/** What becomes of one write: it lands or not, and its answer comes back after `delayMs`, or is lost. */
interface Fate {
  readonly lands: boolean;
  readonly delayMs: number;
  readonly lost: boolean;
}
const steady: Fate = { lands: true, delayMs: 10, lost: false };

/**
 * One channel's item as DynamoDB keeps it, with the conditional removal of the real one. A write lands at once (or
 * never); its answer comes back after `delayMs`, unless the sender's budget aborts the wait first.
 */
class SharedItem {
  readonly entries = new Map<string, { until: number; share: number }>();
  writes = 0;

  writer(clock: Clock, fate: () => Fate) {
    return async (_channel: string, write: ShareWrite, signal: AbortSignal) => {
      const { lands, delayMs, lost } = fate();
      if (lands) {
        this.writes++;
        this.entries.set(write.container, { until: write.until, share: write.share });
        for (const gone of write.prune)
          if (this.entries.get(gone.id)?.until === gone.until) this.entries.delete(gone.id);
      }
      const answer = new Map(this.entries);
      await new Promise<void>((resolve, reject) => {
        void clock.sleep(delayMs).then(() => resolve());
        signal.addEventListener('abort', () => reject(signal.reason));
      });
      if (!lands || lost) throw new Error('no answer');
      return answer;
    };
  }
}

const CHANNEL = 'page';
const RATE = 100;

/** A sender container: its live share and its lane, on a clock that may be off the true one by `skewMs`. */
function container(index: number, item: SharedItem, clock: Clock, fate: () => Fate = () => steady, skewMs = 0) {
  let share: LiveShare | undefined;
  const lanes = channelLanes({
    instances: 2,
    parallelism: 1,
    now: () => clock.now,
    share: (onChange) => {
      share = new LiveShare({
        write: item.writer(clock, fate),
        container: `sender-${index}`,
        instances: 2,
        onChange,
        now: () => clock.now + skewMs,
        sleep: clock.sleep,
      });
      return share;
    },
  });
  const lane = lanes({ id: CHANNEL, ratePerSecond: RATE } as ChannelConfig);
  return { lane, share: share as unknown as LiveShare };
}

/**
 * Runs the containers through the dispatcher's turns for `seconds`, each with a backlog that never ends while
 * `working(index, t)`: they book every turn they may, as a batch's recipients do, and give a recipient back when
 * they get no share. Answers the true time of every send.
 */
async function runFleet(
  fleet: ReturnType<typeof container>[],
  clock: Clock,
  seconds: number,
  working: (index: number, t: number) => boolean = () => true,
) {
  const start = clock.now;
  const end = start + seconds * 1000;
  const sends: number[][] = fleet.map(() => []);
  const loops = fleet.map(async ({ lane }, index) => {
    while (clock.now < end) {
      if (!working(index, clock.now - start)) {
        await clock.sleep(100);
        continue;
      }
      const turn = await takeTurn(lane, Math.min(end, clock.now + 30_000), {
        now: () => clock.now,
        sleep: clock.sleep,
      });
      if (turn.kind === 'turn') sends[index]?.push(clock.now + turn.waitMs);
      else await clock.sleep(Math.min(turn.delayMs, 1_000));
    }
  });
  let finished = false;
  const all = Promise.all(loops).then(() => {
    finished = true;
  });
  // The loops end at their first wake past the end: time goes on until they all have.
  while (!finished) await clock.advance(100);
  await all;
  return sends;
}

/** The most sends of all the containers together in any window of `windowMs`. */
function busiestWindow(sends: number[][], windowMs: number): number {
  const all = sends.flat().sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < all.length; last++) {
    while ((all[last] as number) - (all[first] as number) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** What the rate allows in a window: its share of the rate, the floors, and one token per sender's bucket. */
const allowed = (senders: number, windowMs: number) =>
  (RATE * windowMs * (1 + senders * shareFloor(2))) / 1000 + senders;

describe('the live share of a channel (pure)', () => {
  const floor = shareFloor(2);

  it('grants a lone sender what it asks for up to the whole rate, and one joining a holder of the whole the floor', () => {
    const me = { container: 'me', share: 0.5 };
    assert.deepEqual(grant(new Map(), me, 0, floor), { share: 0.5, fair: 1, gone: [] });
    assert.equal(grant(new Map(), { ...me, share: 1 }, 0, floor).share, 1);
    const holder = new Map([['other', { until: 1, share: 1 }]]);
    assert.deepEqual(grant(holder, me, 0, floor), { share: floor, fair: 0.5, gone: [] });
    assert.equal(grant(new Map([['other', { until: 1, share: 0.5 }]]), me, 0, floor).share, 0.5);
  });

  it('counts an entry until its end plus the clock skew allowed, and removes those long gone, a few at a time', () => {
    const now = 1_000_000;
    const entries = new Map([
      ['skewed', { until: now - CLAIM_SKEW_MS + 1, share: 0.25 }],
      ['just-expired', { until: now - CLAIM_SKEW_MS - 1, share: 0.5 }],
      ...Array.from({ length: 7 }, (_, index) => [`old-${index}`, { until: now - 200_000, share: 1 }] as const),
    ]);
    const granted = grant(entries, { container: 'me', share: 1 }, now, floor);
    assert.equal(granted.fair, 0.5);
    assert.equal(granted.share, 0.5);
    assert.equal(granted.gone.length, 5);
    assert.deepEqual(granted.gone[0], { id: 'old-0', until: now - 200_000 });
  });

  it('five senders at a fifth each settle, whatever floating point makes of 1 - 4 x 0.2', () => {
    const others = new Map(Array.from({ length: 4 }, (_, index) => [`s${index}`, { until: 1, share: 0.2 }] as const));
    assert.equal(grant(others, { container: 'me', share: 0.2 }, 0, floor).share, 0.2);
  });

  it('keeps the floors of many senders within a tenth of the rate', () => {
    assert.equal(shareFloor(2), 0.01);
    assert.equal(shareFloor(100), 0.001);
    assert.ok(shareFloor(1000) * 1000 <= 0.1);
  });

  it("a pacer's new ceiling moves its rate in proportion, so a cut by a rate-limit answer stays cut", () => {
    const pacer = new Pacer(100, 1, () => 0);
    pacer.onRateLimited();
    assert.equal(pacer.rate, 50);
    pacer.limit(200);
    assert.equal(pacer.rate, 100);
    pacer.limit(50);
    assert.equal(pacer.rate, 25);
  });

  it('the time before a new ceiling earns tokens at the old rate', () => {
    let now = 0;
    const pacer = new Pacer(10, 10, () => now);
    for (let turn = 0; turn < 10; turn++) pacer.reserve();
    now = 500;
    pacer.limit(100);
    let free = 0;
    while (pacer.reserve().waitMs === 0) free++;
    assert.equal(free, 5, 'half a second at 10/s, not at 100/s');
  });
});

describe('senders sharing a channel through the dispatcher (simulated DynamoDB, a fake clock)', () => {
  it('a lone sender waits for its first answer, then takes the whole rate', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const [only] = [container(0, item, clock)];
    const sends = await runFleet([only], clock, 10);
    const first = Math.min(...(sends[0] as number[])) - 1_000_000;
    assert.ok(first >= 10, `its first send waited for the answer (${first} ms)`);
    const lastFive = (sends[0] as number[]).filter((at) => at >= 1_005_000).length;
    assert.ok(lastFive >= RATE * 5 * 0.95, `${lastFive} sends in its last 5 s`);
  });

  it('a sender joining one that holds the whole rate gets its half within the ready wait, never on top of it', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const fleet = [container(0, item, clock), container(1, item, clock)];
    const sends = await runFleet(fleet, clock, 20, (index, t) => index === 0 || t >= 5_000);
    assert.ok(busiestWindow(sends, 1_000) <= allowed(2, 1_000), `busiest second: ${busiestWindow(sends, 1_000)}`);
    const joined = 1_005_000;
    const firstOfJoiner = Math.min(...(sends[1] as number[]));
    assert.ok(firstOfJoiner - joined <= SHARE_READY_MS, `the joiner's first send ${firstOfJoiner - joined} ms in`);
    const lastFive = (index: number) => (sends[index] as number[]).filter((at) => at >= 1_015_000).length;
    assert.ok(lastFive(0) >= 200 && lastFive(1) >= 200, `halves: ${lastFive(0)} and ${lastFive(1)} in 5 s`);
  });

  it('a sender that stops leaves its share to the others once its entry lapses', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const fleet = [container(0, item, clock), container(1, item, clock), container(2, item, clock)];
    const stopAt = 8_000;
    const sends = await runFleet(fleet, clock, 30, (index, t) => index < 2 || t < stopAt);
    assert.ok(busiestWindow(sends, 1_000) <= allowed(3, 1_000));
    const lastFive = sends.slice(0, 2).map((list) => list.filter((at) => at >= 1_025_000).length);
    assert.ok(
      lastFive.every((count) => count >= 200),
      `the two left share it: ${lastFive.join(', ')} in 5 s`,
    );
  });

  it('a sender whose writes stop landing falls to the floor as its entry lapses, while the other takes the whole', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    let broken = false;
    const fleet = [
      container(0, item, clock),
      container(1, item, clock, () => (broken ? { lands: false, delayMs: 5, lost: true } : steady)),
    ];
    const done = runFleet(fleet, clock, 30);
    await clock.advance(10_000);
    broken = true;
    await clock.advance(20_001);
    const sends = await done;
    assert.ok(busiestWindow(sends, 1_000) <= allowed(2, 1_000), `busiest second: ${busiestWindow(sends, 1_000)}`);
    const lastFive = sends.map((list) => list.filter((at) => at >= 1_025_000).length);
    assert.ok((lastFive[0] as number) >= RATE * 5 * 0.9, `the healthy one: ${lastFive[0]} in 5 s`);
    assert.ok((lastFive[1] as number) <= RATE * 5 * shareFloor(2) + 1, `the failing one: ${lastFive[1]} in 5 s`);
  });

  it('whatever the answers (slow, cut at the budget, lost, never landing), the clocks and who works when, no second carries more than the rate', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(
          fc.record({
            lands: fc.integer({ min: 0, max: 9 }).map((value) => value < 8),
            delayMs: fc.integer({ min: 0, max: SHARE_WRITE_BUDGET_MS + 150 }),
            lost: fc.boolean(),
          }),
          { minLength: 10, maxLength: 40 },
        ),
        fc.array(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 2, maxLength: 6 }), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.array(fc.integer({ min: -CLAIM_SKEW_MS / 2, max: CLAIM_SKEW_MS / 2 }), { minLength: 4, maxLength: 4 }),
        async (count, fates, spans, skews) => {
          const clock = fakeClock();
          const item = new SharedItem();
          let next = 0;
          const fate = () => {
            const chosen = fates[next++ % fates.length] as Fate;
            return { ...chosen, lost: chosen.lost && next % 4 === 0 };
          };
          const fleet = Array.from({ length: count }, (_, index) =>
            container(index, item, clock, fate, skews[index] as number),
          );
          // Each sender works in the spans between its sorted times: on, off, on again, ...
          const working = (index: number, t: number) => {
            const times = [...(spans[index] as number[])].sort((a, b) => a - b);
            return times.filter((at) => at <= t).length % 2 === 1;
          };
          const sends = await runFleet(fleet, clock, 35, working);
          const busiest = busiestWindow(sends, 1_000);
          assert.ok(busiest <= allowed(count, 1_000), `${busiest} sends in one second`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('the live share in DynamoDB, through the sender', () => {
  let harness: Harness;
  let ledger: Ledger;
  let proxy: Awaited<ReturnType<typeof startDynamoAnswerLoss>>;
  let loseNext = false;

  before(async () => {
    proxy = await startDynamoAnswerLoss(sharedService('NOTIFIER_TEST_DYNAMODB_ENDPOINT'), (operation, body) => {
      if (!operation.endsWith('.UpdateItem') || !body.includes('"share#') || !loseNext) return 'forward';
      loseNext = false;
      return 'lose';
    });
    harness = await startHarness({ dynamoEndpoint: proxy.endpoint });
    ledger = createLedger({ table: harness.stack.names.ledger });
  });
  after(async () => {
    await harness.stop();
    await proxy.stop();
  });

  it('a renewal whose answer is lost after it landed is sent again and answers the same entries', async () => {
    const signal = () => AbortSignal.timeout(5_000);
    const now = Date.now();
    await ledger.shares.renew('lost', { container: 'a', until: now + 15_000, share: 1, prune: [] }, signal());
    loseNext = true;
    const lostBefore = proxy.lost();
    const answer = await ledger.shares.renew(
      'lost',
      { container: 'b', until: now + 15_000, share: 0.5, prune: [] },
      signal(),
    );
    assert.equal(proxy.lost(), lostBefore + 1, 'the first answer was lost');
    assert.deepEqual([...answer.entries()].sort(), [
      ['a', { until: now + 15_000, share: 1 }],
      ['b', { until: now + 15_000, share: 0.5 }],
    ]);
  });

  it('a renewal removes the entries it prunes, and leaves the others', async () => {
    const signal = AbortSignal.timeout(5_000);
    const now = Date.now();
    for (const container of ['x', 'y', 'z'])
      await ledger.shares.renew('prune', { container, until: now - 60_000, share: 1, prune: [] }, signal);
    const answer = await ledger.shares.renew(
      'prune',
      {
        container: 'me',
        until: now + 15_000,
        share: 1,
        prune: [
          { id: 'x', until: now - 60_000 },
          { id: 'y', until: now - 60_000 },
        ],
      },
      signal,
    );
    assert.deepEqual([...answer.keys()].sort(), ['me', 'z']);
  });

  it('an entry renewed since it was seen expired is kept: the write is made again without removing it', async () => {
    const signal = AbortSignal.timeout(5_000);
    const now = Date.now();
    await ledger.shares.renew('back', { container: 'back', until: now - 120_000, share: 1, prune: [] }, signal);
    // It comes back and takes the whole rate; a sender that saw its old entry then tries to remove it.
    await ledger.shares.renew('back', { container: 'back', until: now + 6_000, share: 1, prune: [] }, signal);
    const answer = await ledger.shares.renew(
      'back',
      { container: 'me', until: now + 6_000, share: 0.5, prune: [{ id: 'back', until: now - 120_000 }] },
      signal,
    );
    assert.deepEqual(answer.get('back'), { until: now + 6_000, share: 1 });
    assert.deepEqual(answer.get('me'), { until: now + 6_000, share: 0.5 });
  });

  it('reads only well-formed entries from the item', () => {
    const entries = readEntries({
      pk: { S: 'share#page' },
      'sender#ok': { M: { until: { N: '5' }, share: { N: '0.5' } } },
      'sender#no-share': { M: { until: { N: '5' } } },
      'sender#too-much': { M: { until: { N: '5' }, share: { N: '2' } } },
      'sender#flat': { N: '5' },
    });
    assert.deepEqual([...entries.keys()], ['ok']);
  });

  it('the shipped sender keeps its entry on the channel it sends on, announcing the static share first', async () => {
    const database = { host: '127.0.0.1', port: 5432, database: 'unused', user: 'unused', password: 'unused' };
    for (const item of messengerJob(database, harness.sandbox.baseUrl)) await harness.stack.putConfig(item);
    const send: Handler<SqsEvent, BatchResponse> = await harness.stack.loadSender();
    const body = JSON.stringify({
      v: 1,
      runId: 'daily@2026-12-01T08:00:00Z',
      job: 'daily',
      recipientId: 'share-1',
      fields: { first_name: 'Ada' },
    });
    const response = await send({ Records: [{ messageId: 'share-m1', body }] }, lambdaContext('sender', 30_000));
    assert.deepEqual(response.batchItemFailures, []);
    const item = await ledger.table.get({ pk: 'share#messenger', sk: 'share' });
    const entries = [...readEntries(item ?? {}).values()];
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.share, 0.5, 'the static share of 2 senders');
    assert.ok((entries[0]?.until ?? 0) > Date.now());
  });
});
