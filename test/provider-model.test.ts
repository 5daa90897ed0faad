import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryFigures, sustainedRate } from '../tools/local/delivery-figures.js';
import { checkFaultShares, type Fault, faultFor, noFaults, recipientDraw } from '../tools/local/fault-plan.js';
import { shareInstances } from '../tools/local/sender-fleet.js';

const hostileIds = [
  'Zoë 🚀',
  '\uFFFE\uFFFF',
  'tab\tnew\nline\u0000nul',
  '\u202Eright-to-left',
  '"quoted" {{braces}}',
  'x'.repeat(320),
  '',
];

describe('per-recipient fault plans', () => {
  const shares = { transientOnce: 0.02, hangFirst: 0.02, permanent: 0.01 };

  it('gives the same fault for the same seed and recipient, whatever the order of asking', () => {
    const ids = [...Array.from({ length: 500 }, (_, n) => `psid-${n}`), ...hostileIds];
    const forward = ids.map((id) => faultFor(7, id, shares));
    const backward = [...ids]
      .reverse()
      .map((id) => faultFor(7, id, shares))
      .reverse();
    assert.deepEqual(backward, forward);
    for (const id of hostileIds) {
      const draw = recipientDraw(7, id);
      assert.ok(draw >= 0 && draw < 1, `draw for ${JSON.stringify(id)} is ${draw}`);
    }
  });

  it('holds each share within tolerance over 10,000 recipients', () => {
    const tally: Record<Fault, number> = { ok: 0, 'transient-once': 0, 'hang-first': 0, permanent: 0 };
    for (let n = 0; n < 10_000; n++) tally[faultFor(1, `psid-${n}`, shares)]++;
    // Binomial: at p = 0.02 over 10,000 the standard deviation is 14, so ±60 is over four of them.
    assert.ok(Math.abs(tally['transient-once'] - 200) <= 60, JSON.stringify(tally));
    assert.ok(Math.abs(tally['hang-first'] - 200) <= 60, JSON.stringify(tally));
    assert.ok(Math.abs(tally.permanent - 100) <= 45, JSON.stringify(tally));
    assert.equal(tally.ok + tally['transient-once'] + tally['hang-first'] + tally.permanent, 10_000);
  });

  it('draws another plan for another seed, and the nested shares keep their recipients', () => {
    const ids = Array.from({ length: 2_000 }, (_, n) => `psid-${n}`);
    const one = ids.filter((id) => faultFor(1, id, { permanent: 0.1 }) === 'permanent');
    const two = ids.filter((id) => faultFor(2, id, { permanent: 0.1 }) === 'permanent');
    assert.notDeepEqual(one, two);
    // A larger permanent share only adds recipients: who is blocked at 5 % is still blocked at 10 %.
    const five = ids.filter((id) => faultFor(1, id, { permanent: 0.05 }) === 'permanent');
    assert.ok(five.every((id) => one.includes(id)));
  });

  it('puts everyone in a share of 1 and nobody in shares of 0', () => {
    assert.ok(
      Array.from({ length: 200 }, (_, n) => faultFor(3, `id${n}`, { hangFirst: 1 })).every(
        (fault) => fault === 'hang-first',
      ),
    );
    assert.ok(hostileIds.every((id) => faultFor(3, id, {}) === 'ok'));
    assert.equal(noFaults({}), true);
    assert.equal(noFaults({ transientOnce: 0, hangFirst: 0.01 }), false);
  });

  it('rejects shares out of range, naming the field', () => {
    assert.throws(() => checkFaultShares({ hangFirst: 1.5 }), /hangFirst must be a number in 0\.\.1, got 1\.5/);
    assert.throws(() => checkFaultShares({ permanent: Number.NaN }), /permanent must be a number/);
    assert.throws(() => checkFaultShares({ transientOnce: -0.1 }), /transientOnce/);
    assert.throws(() => checkFaultShares({ transientOnce: 0.6, hangFirst: 0.3, permanent: 0.2 }), /add up to 1\.1/);
    assert.doesNotThrow(() => checkFaultShares({ transientOnce: 0.5, hangFirst: 0.5 }));
  });
});

describe('delivery figures', () => {
  it('reads one acceptance every 10 ms as 100/s, in any order', () => {
    const times = Array.from({ length: 1_000 }, (_, n) => 5_000 + n * 10);
    assert.equal(sustainedRate(times), 100);
    assert.equal(sustainedRate([...times].reverse()), 100);
  });

  it('stops the span where 95 % of the acceptances had happened, so a straggling tail does not count', () => {
    // 950 acceptances at 300/s, then 50 stragglers a minute later (the hung recipients' retries).
    const steady = Array.from({ length: 950 }, (_, n) => (n * 1000) / 300);
    const tail = Array.from({ length: 50 }, (_, n) => 60_000 + n);
    const rate = sustainedRate([...steady, ...tail]) as number;
    assert.ok(Math.abs(rate - 300) < 0.01, String(rate));
    // The whole run's average is far lower: that is what the duration figure shows.
    const figures = deliveryFigures(
      { acceptedAt: [...steady, ...tail], requests: 1_100, rejectedForRate: 11, abandoned: 20, duplicates: 1 },
      { startedAt: -40, endedAt: 60_100, providerRate: 300 },
    );
    assert.ok(Math.abs((figures.shareOfRate as number) - 1) < 0.0001);
    assert.equal(figures.durationMs, 60_140);
    assert.equal(figures.rejectedForRateShare, 0.01);
    assert.deepEqual([figures.accepted, figures.abandoned, figures.duplicates], [1_000, 20, 1]);
  });

  it('has no sustained rate below two acceptances or over a span of zero, and no share without a limit', () => {
    assert.equal(sustainedRate([]), null);
    assert.equal(sustainedRate([42]), null);
    assert.equal(sustainedRate([7, 7, 7]), null);
    const figures = deliveryFigures(
      { acceptedAt: [0, 500], requests: 0, rejectedForRate: 0, abandoned: 0, duplicates: 0 },
      { startedAt: 0, endedAt: 500 },
    );
    assert.equal(figures.sustainedPerSecond, 2);
    assert.equal(figures.shareOfRate, null);
    assert.equal(figures.rejectedForRateShare, 0);
  });

  it('rejects a run that ends before it starts and a limit that is not positive', () => {
    const log = { acceptedAt: [], requests: 0, rejectedForRate: 0, abandoned: 0, duplicates: 0 };
    assert.throws(() => deliveryFigures(log, { startedAt: 10, endedAt: 5 }), /ends \(5\) before it starts \(10\)/);
    assert.throws(
      () => deliveryFigures(log, { startedAt: 0, endedAt: 5, providerRate: 0 }),
      /providerRate must be a positive number, got 0/,
    );
  });
});

describe('sender fleet layout', () => {
  it('spreads the instances over at most one process per instance, the first taking the remainder', () => {
    assert.deepEqual(shareInstances(12, 2), [6, 6]);
    assert.deepEqual(shareInstances(7, 3), [3, 2, 2]);
    assert.deepEqual(shareInstances(2, 8), [1, 1]);
    assert.deepEqual(shareInstances(5, 0), [5]);
  });
});
