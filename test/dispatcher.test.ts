import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DYNAMO_RETRY, DYNAMO_WRITE_WORST_MS } from '../handlers/aws/dynamo.js';
import type { ChannelConfig } from '../handlers/config/schema.js';
import { RateLimitedError, TransientDeliveryError } from '../handlers/core/errors.js';
import { LatencyEstimate, Pacer } from '../handlers/core/limiter.js';
import { DEFAULT_RETRY_POLICY } from '../handlers/core/retry.js';
import { type AttemptResult, channelLanes, Dispatcher, type SendSpec } from '../handlers/delivery/dispatcher.js';
import { RECORDING_CUTOFF_MS, RECORDING_RESERVE_MS } from '../handlers/delivery/limits.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider answering in `latencyMs`, or never for the ids in `hang` (until the request is given up). */
function provider(options: { latencyMs?: number; hang?: ReadonlySet<number>; failOnce?: ReadonlySet<number> } = {}) {
  const calls = new Map<number, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const send =
    (id: number) =>
    async (signal: AbortSignal): Promise<AttemptResult> => {
      const call = (calls.get(id) ?? 0) + 1;
      calls.set(id, call);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        if (options.hang?.has(id) && call === 1) {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          return { kind: 'failed', error: new TransientDeliveryError('provider request failed (network error)') };
        }
        await sleep(options.latencyMs ?? 5);
        if (options.failOnce?.has(id) && call === 1)
          return { kind: 'failed', error: new TransientDeliveryError('HTTP 500') };
        return { kind: 'sent', providerMessageId: `m${id}` };
      } finally {
        inFlight--;
      }
    };
  return { send, calls, maxInFlight: () => maxInFlight };
}

const lane = (id = 'page', rate = 100_000) => ({
  id,
  pacer: new Pacer(rate, 100),
  latency: new LatencyEstimate(5),
  answers: { accepted: 0, perhapsBlocked: 0 },
});

const spec = (send: SendSpec['send'], overrides: Partial<SendSpec> = {}): SendSpec => ({
  lane: lane(),
  timeoutMs: 10_000,
  send,
  ...overrides,
});

describe('the dispatcher of one invocation', () => {
  it('a request that hangs does not hold the batch: it is given up once the rest is done, and its recipient returned', async () => {
    const fake = provider({ hang: new Set([3]) });
    const dispatcher = new Dispatcher({ parallelism: 4, deadline: Date.now() + 60_000, stragglerFloorMs: 100 });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, id) => dispatcher.submit(spec(fake.send(id)))));
    const elapsed = Date.now() - started;
    assert.equal(results.filter((result) => result.kind === 'sent').length, 19);
    assert.equal(results[3]?.kind, 'open');
    assert.match((results[3] as { reason: string }).reason, /straggler/);
    assert.ok(elapsed < 5_000, `the batch ended after ${elapsed} ms, not after the channel timeout`);
    assert.equal(fake.calls.get(3), 1, 'the straggler is not retried after the cut');
  });

  it('a transient failure is retried in process while the batch goes on, outside the send slots', async () => {
    const fake = provider({ failOnce: new Set([0, 7]), latencyMs: 10 });
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, id) => dispatcher.submit(spec(fake.send(id)))));
    assert.deepEqual(
      results.map((result) => result.kind),
      Array(10).fill('sent'),
    );
    assert.equal(fake.calls.get(0), 2);
    assert.ok(fake.maxInFlight() <= 2, `at most 2 in flight, saw ${fake.maxInFlight()}`);
  });

  it('a retry due soon is waited for even when it is the last thing left', async () => {
    const fake = provider({ failOnce: new Set([0]) });
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000, retryGraceMs: 1_000 });
    assert.equal((await dispatcher.submit(spec(fake.send(0)))).kind, 'sent');
  });

  it('a rate-limit wait that outlasts the rest of the batch returns the recipient, visible again after the wait', async () => {
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000 });
    const limited = async (): Promise<AttemptResult> => ({
      kind: 'failed',
      error: new RateLimitedError('613', { retryAfterMs: 20_000 }),
    });
    const started = Date.now();
    const result = await dispatcher.submit(spec(limited));
    assert.equal(result.kind, 'open');
    assert.ok((result as { delayMs: number }).delayMs > 15_000);
    assert.ok(Date.now() - started < 2_000);
  });

  it('while a group still holds the dispatcher, nothing is cut', async () => {
    const fake = provider({ hang: new Set([0]) });
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000, stragglerFloorMs: 50 });
    const release = dispatcher.hold();
    const hung = dispatcher.submit(spec(fake.send(0)));
    let settled = false;
    void hung.then(() => (settled = true));
    await sleep(300);
    assert.equal(settled, false, 'held: the straggler is still out');
    const late = dispatcher.submit(spec(fake.send(1)));
    release();
    assert.equal((await late).kind, 'sent');
    assert.equal((await hung).kind, 'open');
  });

  it("a stalled event loop is not a slow provider: the process's recent pause is added to the straggler threshold", async () => {
    const fake = provider({ hang: new Set([0]) });
    const dispatcher = new Dispatcher({
      parallelism: 2,
      deadline: Date.now() + 60_000,
      stragglerFloorMs: 50,
      loopLagMs: () => 400,
    });
    const started = Date.now();
    assert.equal((await dispatcher.submit(spec(fake.send(0)))).kind, 'open');
    assert.ok(Date.now() - started >= 440, `cut after ${Date.now() - started} ms, not before the floor plus the pause`);
  });

  it('an acceptance that races the cut is still a sent recipient', async () => {
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000, stragglerFloorMs: 50 });
    // Answers only after its abort: the provider accepted as the client gave up.
    const late = (signal: AbortSignal) =>
      new Promise<AttemptResult>((resolve) =>
        signal.addEventListener('abort', () => resolve({ kind: 'sent', providerMessageId: 'late' }), { once: true }),
      );
    assert.deepEqual(await dispatcher.submit(spec(late)), { kind: 'sent', providerMessageId: 'late' });
  });

  it('no send starts after the deadline', async () => {
    const fake = provider();
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() - 1 });
    const result = await dispatcher.submit(spec(fake.send(0)));
    assert.equal(result.kind, 'open');
    assert.equal(fake.calls.size, 0);
  });

  it("a channel's turn due after the deadline is never taken: the recipient waits in the queue until its turn, and no send outlives the invocation", async () => {
    const deadline = Date.now() + 1_000;
    const dispatcher = new Dispatcher({ parallelism: 50, deadline });
    const slow = lane('page-5-per-second', 5);
    const starts: number[] = [];
    const send = async (): Promise<AttemptResult> => {
      starts.push(Date.now());
      return { kind: 'sent' };
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => dispatcher.submit(spec(send, { lane: slow }))));
    const settledAt = Date.now();
    const sent = results.filter((result) => result.kind === 'sent').length;
    // Five turns saved up (the burst), then one every 200 ms until the deadline: twenty would take three more seconds.
    assert.ok(sent >= 5 && sent <= 11, `a burst and a second of turns at 5/s are sent, saw ${sent}`);
    // The dispatcher checks the deadline a few synchronous steps before the provider sees the request.
    assert.ok(Math.max(...starts) <= deadline + 20, 'no send starts after the deadline');
    assert.ok(settledAt < deadline + 1_000, `every send settled by the deadline, ${settledAt - deadline} ms after it`);
    const waiting = results.filter((result) => result.kind === 'open');
    assert.equal(waiting.length, 20 - sent);
    for (const result of waiting) {
      assert.equal(result.kind === 'open' && result.waited, true, 'waiting for a turn is no failure');
      // A turn refused is due later; a turn taken whose timer woke just past the deadline has no time left, and no delay.
      if (result.kind === 'open' && /no turn/.test(result.reason))
        assert.ok(result.delayMs > 0, 'visible again when its turn would have come');
    }
    assert.ok(
      waiting.some((result) => result.kind === 'open' && /no turn/.test(result.reason)),
      'turns past the deadline were refused, not slept on',
    );
  });

  it("a slow channel's sends never hold another channel's: each channel has its own send slots", async () => {
    const dispatcher = new Dispatcher({ parallelism: 2, deadline: Date.now() + 60_000, stragglerFloorMs: 10_000 });
    const slowChannel = lane('slow-webhook');
    const healthy = lane('healthy-page');
    const slow = () => sleep(1_000).then((): AttemptResult => ({ kind: 'sent' }));
    const quick = () => sleep(5).then((): AttemptResult => ({ kind: 'sent' }));
    const started = Date.now();
    const slowSends = Array.from({ length: 4 }, () => dispatcher.submit(spec(slow, { lane: slowChannel })));
    const quickSends = await Promise.all(
      Array.from({ length: 20 }, () => dispatcher.submit(spec(quick, { lane: healthy }))),
    );
    const quickMs = Date.now() - started;
    assert.deepEqual(
      quickSends.map((result) => result.kind),
      Array(20).fill('sent'),
    );
    assert.ok(quickMs < 800, `the healthy channel's sends took ${quickMs} ms behind the slow channel`);
    await Promise.all(slowSends);
  });
});

describe('an answer that may mean "this person blocked you"', () => {
  const blockedOrDown = (): Promise<AttemptResult> =>
    Promise.resolve({
      kind: 'failed',
      error: new TransientDeliveryError('Graph API error 2', { code: 2, perhapsBlocked: true }),
    });
  const policy = { ...DEFAULT_RETRY_POLICY, transientBaseMs: 1 };

  it('is recorded as failed when every attempt got it while the channel accepted others', async () => {
    const dispatcher = new Dispatcher({ parallelism: 4, deadline: Date.now() + 60_000, policy });
    const shared = lane();
    const others = Array.from({ length: 30 }, () =>
      dispatcher.submit(spec(() => sleep(2).then((): AttemptResult => ({ kind: 'sent' })), { lane: shared })),
    );
    const result = await dispatcher.submit(spec(blockedOrDown, { lane: shared }));
    await Promise.all(others);
    assert.equal(result.kind, 'failed');
    assert.equal(result.kind === 'failed' && result.error.failureClass, 'permanent');
  });

  it('goes back to the queue when the channel accepted nobody meanwhile (Meta is having trouble)', async () => {
    const dispatcher = new Dispatcher({ parallelism: 4, deadline: Date.now() + 60_000, policy });
    const result = await dispatcher.submit(spec(blockedOrDown));
    assert.equal(result.kind, 'open');
  });

  it('goes back to the queue when others get the same answer (a partial outage), however many are accepted', async () => {
    const dispatcher = new Dispatcher({ parallelism: 8, deadline: Date.now() + 60_000, policy });
    const shared = lane();
    // Three in ten of the others get code 2 too.
    const others = Array.from({ length: 40 }, (_, index) =>
      dispatcher.submit(
        spec(
          () =>
            sleep(2).then(
              (): Promise<AttemptResult> => (index % 10 < 3 ? blockedOrDown() : Promise.resolve({ kind: 'sent' })),
            ),
          { lane: shared },
        ),
      ),
    );
    const result = await dispatcher.submit(spec(blockedOrDown, { lane: shared }));
    await Promise.all(others);
    assert.equal(result.kind, 'open');
  });
});

describe("a container's channel lanes", () => {
  it("a channel's new rate reaches its pacer as soon as the config item changes, and its latency estimate is kept", () => {
    const lanes = channelLanes({ instances: 2, parallelism: 50 });
    const channel = { id: 'page', ratePerSecond: 300 } as ChannelConfig;
    const first = lanes(channel);
    assert.equal(first.pacer.rate, 150);
    assert.equal(lanes({ ...channel }), first, 'the same rate keeps the lane and its pace');
    first.latency.observe(900);
    const lowered = lanes({ ...channel, ratePerSecond: 40 });
    assert.equal(lowered.pacer.rate, 20);
    assert.equal(lowered.latency, first.latency);
  });
});

describe("the invocation's time after its last send", () => {
  it('the recording reserve covers the record and the count write, each with one attempt lost and its retry', () => {
    const oneLost = DYNAMO_RETRY.requestTimeoutMs + DYNAMO_RETRY.backoffMs;
    assert.ok(RECORDING_RESERVE_MS >= 2 * oneLost, `${RECORDING_RESERVE_MS} ms against ${2 * oneLost} ms`);
    assert.ok(RECORDING_CUTOFF_MS < RECORDING_RESERVE_MS);
  });

  it("the SDK's retries of one write are bounded well below the default's (1 s doubling over 5 attempts)", () => {
    // 4 attempts of 1 s and backoffs of 50, 100 and 200 ms.
    assert.equal(DYNAMO_WRITE_WORST_MS, 4 * 1_000 + 50 + 100 + 200);
    assert.ok(DYNAMO_WRITE_WORST_MS < 1_000 + 2_000 + 4_000 + 8_000);
  });
});
