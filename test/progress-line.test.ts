import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressLine } from '../tools/cli/progress.js';

describe('notifier start progress line', () => {
  it('while the planner reads the audience, shows a lower bound instead of more processed than planned', () => {
    const line = progressLine({ planning: true, planned: 290, processed: 380, sent: 370, elapsedMs: 3200 });
    assert.equal(line, 'planning: 380 processed of at least 380 planned, 370 sent, 3.2 s since the planner started');
    assert.doesNotMatch(line, /380\/290/);
  });

  it('while planning with the checkpoint ahead of the senders, shows the checkpoint', () => {
    assert.equal(
      progressLine({ planning: true, planned: 500, processed: 120, sent: 100, elapsedMs: 1000 }),
      'planning: 120 processed of at least 500 planned, 100 sent, 1.0 s since the planner started',
    );
  });

  it('once planning is done, shows the share of the run as a bar', () => {
    assert.equal(
      progressLine({ planning: false, planned: 1000, processed: 500, sent: 480, elapsedMs: 12_345 }),
      `[${'#'.repeat(15)}${'.'.repeat(15)}] 500/1000 processed, 480 sent, 12.3 s since the planner started`,
    );
    assert.equal(
      progressLine({ planning: false, planned: 0, processed: 0, sent: 0, elapsedMs: 0 }),
      `[${'#'.repeat(30)}] 0/0 processed, 0 sent, 0.0 s since the planner started`,
    );
  });
});
