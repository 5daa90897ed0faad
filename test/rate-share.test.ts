import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createLedger, type Ledger, type ShareEntries } from '../handlers/aws/ledger/index.js';
import { readEntries } from '../handlers/aws/ledger/shares.js';
import type { ChannelConfig } from '../handlers/config/schema.js';
import { Pacer } from '../handlers/core/limiter.js';
import type { BatchResponse, SqsEvent } from '../handlers/delivery/batch.js';
import { channelLanes } from '../handlers/delivery/dispatcher.js';
import {
  grant,
  LiveShare,
  SHARE_ENTRY_MS,
  SHARE_FLOOR,
  SHARE_READY_MS,
  SHARE_RENEW_MS,
  type ShareWrite,
} from '../handlers/delivery/share.js';
import { type Handler, lambdaContext } from '../tools/local/bundle.js';
import { startDynamoAnswerLoss } from './support/fault-proxies.js';
import { type Harness, messengerJob, sharedService, startHarness } from './support/harness.js';

/**
 * One channel's item as DynamoDB keeps it: a write lands at once, and its answer comes back after `delayMs`, or never
 * (`lost`: the write landed, the sender hears an error).
 */
class SharedItem {
  readonly entries = new Map<string, { until: number; share: number }>();
  writes = 0;

  writer(clock: ReturnType<typeof fakeClock>, fate: () => { delayMs: number; lost: boolean }) {
    return async (_channel: string, write: ShareWrite): Promise<ShareEntries> => {
      this.writes++;
      this.entries.set(write.container, { until: write.until, share: write.share });
      for (const gone of write.prune) this.entries.delete(gone);
      const answer = new Map(this.entries);
      const { delayMs, lost } = fate();
      await clock.until(clock.now + delayMs);
      if (lost) throw new Error('the answer was lost');
      return answer;
    };
  }
}

/** A clock the test moves, and the waits on it that it wakes. */
function fakeClock() {
  const waits: { at: number; wake: () => void }[] = [];
  const clock: {
    now: number;
    until: (at: number) => Promise<void>;
    advance: (ms: number) => Promise<void>;
  } = {
    now: 1_000_000,
    until: (at: number) => new Promise<void>((wake) => waits.push({ at, wake })),
    async advance(ms: number) {
      clock.now += ms;
      for (const wait of waits.filter((entry) => entry.at <= clock.now)) {
        waits.splice(waits.indexOf(wait), 1);
        wait.wake();
      }
      // Lets the woken renewals finish: every promise job runs before the next turn of the event loop.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

const CHANNEL = 'page';

function senders(count: number, item: SharedItem, clock: ReturnType<typeof fakeClock>, fate = () => steady) {
  return Array.from(
    { length: count },
    (_, index) =>
      new LiveShare({
        write: item.writer(clock, fate),
        container: `sender-${index}`,
        instances: 2,
        onChange: () => {},
        now: () => clock.now,
        sleep: (ms) => clock.until(clock.now + ms),
      }),
  );
}
const steady = { delayMs: 10, lost: false };

describe('the live share of a channel (pure)', () => {
  it('grants a lone sender the whole rate, and a sender joining one that holds it the floor until it lets go', () => {
    const now = 0;
    const me = { container: 'me', share: 0.5 };
    assert.deepEqual(grant(new Map(), me, now), { share: 0.5, fair: 1, gone: [] });
    assert.equal(grant(new Map(), { ...me, share: 1 }, now).share, 1);
    const holder = new Map([['other', { until: now + 1, share: 1 }]]);
    assert.deepEqual(grant(holder, me, now), { share: SHARE_FLOOR, fair: 0.5, gone: [] });
    const halves = new Map([['other', { until: now + 1, share: 0.5 }]]);
    assert.equal(grant(halves, me, now).share, 0.5);
  });

  it('counts only entries still ahead, and removes those long expired, a few at a time', () => {
    const now = 100_000;
    const entries = new Map([
      ['live', { until: now + 1, share: 0.25 }],
      ['just-expired', { until: now - 1, share: 0.5 }],
      ...Array.from(
        { length: 7 },
        (_, index) => [`old-${index}`, { until: now - SHARE_ENTRY_MS - 1, share: 1 }] as const,
      ),
    ]);
    const granted = grant(entries, { container: 'me', share: 1 }, now);
    assert.equal(granted.fair, 0.5);
    assert.equal(granted.share, 0.5);
    assert.equal(granted.gone.length, 5);
    assert.ok(granted.gone.every((id) => id.startsWith('old-')));
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

  it('a lane sends only on a granted share: its first send waits for the first answer', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const changed: string[] = [];
    const lanes = channelLanes({
      instances: 4,
      parallelism: 10,
      share: (onChange) =>
        new LiveShare({
          write: item.writer(clock, () => steady),
          container: 'me',
          instances: 4,
          onChange: (id) => {
            changed.push(id);
            onChange(id);
          },
          now: () => clock.now,
          sleep: (ms) => clock.until(clock.now + ms),
        }),
    });
    const lane = lanes({ id: CHANNEL, ratePerSecond: 100 } as ChannelConfig);
    assert.equal(lane.pacer.rate, 100 * SHARE_FLOOR, 'no share yet: the floor');
    let ready = false;
    void lane.ready?.(30_000)?.then(() => (ready = true));
    await clock.advance(5);
    assert.equal(ready, false, 'the send waits for the answer');
    await clock.advance(10);
    assert.equal(ready, true);
    assert.equal(lane.pacer.rate, 25, 'the first write asked for the static share (100/s over 4) and got it');
    await clock.advance(SHARE_RENEW_MS);
    assert.equal(lane.ready?.(30_000), undefined, 'holding a share, a send does not wait');
    await clock.advance(10);
    assert.equal(lane.pacer.rate, 100, 'alone, it asked for its fair share and got the whole rate');
    assert.deepEqual(changed, [CHANNEL, CHANNEL]);
  });

  it('a joiner waits while the sender holding the whole rate lets go of half, then gets it', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const [holder, joiner] = senders(2, item, clock) as [LiveShare, LiveShare];
    assert.deepEqual(await simulate([holder], clock, 3), [1]);
    let ready = false;
    void joiner.ready(CHANNEL, 30_000)?.then(() => (ready = true));
    const started = clock.now;
    for (let step = 0; step < 40 && !ready; step++) {
      holder.renew(CHANNEL);
      await clock.advance(100);
    }
    assert.equal(ready, true);
    assert.ok(clock.now - started <= SHARE_READY_MS, `ready after ${clock.now - started} ms`);
    assert.equal(joiner.share(CHANNEL), 0.5);
    assert.equal(holder.share(CHANNEL), 0.5);
  });
});

/**
 * Runs the senders for `seconds` of the fake clock, each asking to renew every 100 ms while `working(index, t)`, and
 * checks at every step that the shares in use, among the senders that have one, never add up to more than the whole
 * rate (plus the floor each may keep). Answers the shares at the end.
 */
async function simulate(
  shares: LiveShare[],
  clock: ReturnType<typeof fakeClock>,
  seconds: number,
  working: (index: number, t: number) => boolean = () => true,
) {
  const start = clock.now;
  for (let t = 0; t < seconds * 1000; t += 100) {
    shares.forEach((share, index) => {
      if (working(index, t)) share.renew(CHANNEL);
    });
    await clock.advance(100);
    // A sender without a share sends nothing: its sends wait for one.
    const inUse = shares.map((share) => share.share(CHANNEL) ?? 0);
    const total = inUse.reduce((sum, value) => sum + value, 0);
    assert.ok(
      total <= 1 + shares.length * SHARE_FLOOR + 1e-9,
      `at ${clock.now - start} ms the shares in use add up to ${total}: ${inUse.join(', ')}`,
    );
  }
  return shares.map((share) => share.share(CHANNEL));
}

describe('senders sharing a channel (simulated DynamoDB, a fake clock)', () => {
  it('two senders starting together settle on halves without ever taking more than the whole', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    assert.deepEqual(await simulate(senders(2, item, clock), clock, 10), [0.5, 0.5]);
  });

  it('a sender joining one that holds the whole rate gets its half within seconds, never on top of it', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const [first, second] = senders(2, item, clock) as [LiveShare, LiveShare];
    assert.deepEqual(await simulate([first], clock, 6), [1]);
    const shares = await simulate([first, second], clock, SHARE_RENEW_MS / 1000 + 3);
    assert.deepEqual(shares, [0.5, 0.5]);
  });

  it('a sender that stops working leaves its share to the others once its entry lapses', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const shares = senders(3, item, clock);
    const stopAt = 8_000;
    const end = await simulate(shares, clock, (stopAt + SHARE_ENTRY_MS + 2 * SHARE_RENEW_MS) / 1000, (index, t) =>
      index === 2 ? t < stopAt : true,
    );
    assert.deepEqual(end.slice(0, 2), [0.5, 0.5]);
  });

  it('a sender whose writes stop landing falls to the floor when its entry lapses, as the others take its share', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    let broken = false;
    const [healthy] = senders(1, item, clock);
    const failing = new LiveShare({
      write: async (channel, write) => {
        if (broken) throw new Error('DynamoDB is unreachable');
        return item.writer(clock, () => steady)(channel, write);
      },
      container: 'failing',
      instances: 2,
      onChange: () => {},
      now: () => clock.now,
    });
    assert.deepEqual(await simulate([healthy as LiveShare, failing], clock, 10), [0.5, 0.5]);
    broken = true;
    const end = await simulate([healthy as LiveShare, failing], clock, (SHARE_ENTRY_MS + 2 * SHARE_RENEW_MS) / 1000);
    assert.deepEqual(end, [1, SHARE_FLOOR]);
  });

  it('a sender back from an idle spell starts again from the static share', async () => {
    const clock = fakeClock();
    const item = new SharedItem();
    const [only] = senders(1, item, clock) as [LiveShare];
    assert.deepEqual(await simulate([only], clock, 3), [1]);
    await clock.advance(SHARE_ENTRY_MS + 1);
    assert.equal(only.share(CHANNEL), undefined, 'its entry lapsed while it was idle: no share until it writes again');
    only.renew(CHANNEL);
    await clock.advance(10);
    assert.equal(only.share(CHANNEL), 0.5, 'it asks for the static share first, as a new sender does');
  });

  it('whatever the answers do (slow, lost after landing) and whoever works when, the shares never exceed the whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.boolean()), { minLength: 20, maxLength: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 30_000 })), {
          minLength: 5,
          maxLength: 5,
        }),
        async (count, fates, spans) => {
          const clock = fakeClock();
          const item = new SharedItem();
          let next = 0;
          const fate = () => {
            const [delayMs, lost] = fates[next++ % fates.length] as [number, boolean];
            return { delayMs, lost: lost && delayMs % 3 === 0 };
          };
          const shares = senders(count, item, clock, fate);
          await simulate(shares, clock, 40, (index, t) => {
            const [from, to] = spans[index] as [number, number];
            return t >= Math.min(from, to) && t < Math.max(from, to) + 1_000;
          });
        },
      ),
      { numRuns: 60 },
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
      { container: 'me', until: now + 15_000, share: 1, prune: ['x', 'y'] },
      signal,
    );
    assert.deepEqual([...answer.keys()].sort(), ['me', 'z']);
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
