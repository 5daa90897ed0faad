import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  classifyGraphError,
  GRAPH_ERROR_CLASSES,
  GRAPH_ERRORS,
  graphErrorEntry,
  parseUsagePercent,
} from '../handlers/channels/graph-errors.js';
import { graphRequest, marketingMessageBody, sendApiBody } from '../handlers/channels/messenger.js';
import { signWebhook, webhookId, webhookKey } from '../handlers/channels/webhook.js';
import { parsePlannerInput } from '../handlers/config/planner-event.js';
import { type JobConfig, type MessengerChannelConfig, parseConfigItem } from '../handlers/config/schema.js';
import { windowBound } from '../handlers/config/task-spec.js';
import { asciiJson } from '../handlers/core/ascii-json.js';
import { classifyHttpStatus, classifyWebhookStatus, parseRetryAfter } from '../handlers/core/classify.js';
import { FatalChannelError } from '../handlers/core/errors.js';
import { LatencyEstimate, Pacer, Semaphore } from '../handlers/core/limiter.js';
import { chunk, quoteIdentifier, shouldHandOver } from '../handlers/core/paging.js';
import { decideRetry } from '../handlers/core/retry.js';
import { failedPercent, isComplete, type RunFacts, runEndedDetail, watchVerdict } from '../handlers/core/run-end.js';
import { runIdFor } from '../handlers/core/run-id.js';
import {
  buildRecipient,
  type GroupedTask,
  groupTasks,
  MAX_TASK_BYTES,
  messageGroupOfBody,
  parseTask,
} from '../handlers/core/task.js';
import { renderTemplate, TemplateError, templateFields } from '../handlers/core/template.js';
import { renderMessage } from '../handlers/delivery/recipient.js';
import { Checkpoints } from '../handlers/planning/checkpoint.js';
import {
  aheadOfLead,
  LEAD_POLL_MS,
  LEAD_STALL_MS,
  outstanding,
  stallMs,
  waitForLead,
} from '../handlers/planning/lead.js';
import { planRejections, splitTask } from '../handlers/planning/page.js';
import { ReadAhead } from '../handlers/planning/read-ahead.js';
import { describeReach, failedOutsideWindow } from '../tools/common/window-policy.js';
import { isMarketingPath, marketingRefusal, utilityRefusal } from '../tools/local/messenger-routes.js';
import { recipientKey, windowRefusal } from '../tools/local/messenger-window.js';
import { HOSTILE_VALUES } from './support/hostile.js';

/**
 * The Marketing Message API's codes by what they mean (API reference, API Errors; 2300028 from its changelog): the
 * campaign, ad account, app or Page is wrong or not ready (fatal), this person's token or the payload (permanent), a
 * per-person wait (deferred), a wait the API asks for (rate-limited, transient).
 */
function marketingCases(): [number, undefined, number, string][] {
  const classes: Record<string, number[]> = {
    fatal: [
      0, 1, 2, 3, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 20, 28, 30, 31, 33, 39, 40, 41, 53, 54, 56, 58, 59, 64,
      65, 66, 67, 69, 70,
    ],
    permanent: [
      4, 5, 10, 18, 21, 22, 23, 24, 25, 26, 27, 32, 34, 37, 38, 42, 43, 44, 46, 47, 48, 52, 71, 72, 73, 74, 75, 76, 77,
    ],
    deferred: [35, 36],
    'rate-limited': [55, 61, 62, 78, 79, 80],
    transient: [57, 60, 63, 68],
  };
  return Object.entries(classes).flatMap(([failureClass, codes]) =>
    codes.map((code): [number, undefined, number, string] => [2_300_000 + code, undefined, 400, failureClass]),
  );
}

describe('classifying Graph API errors', () => {
  const cases: [number, number | undefined, number, string][] = [
    [1, undefined, 500, 'transient'],
    [2, undefined, 500, 'transient'],
    [1200, undefined, 500, 'transient'],
    [2, 2018344, 400, 'fatal'],
    [1, 99, 400, 'fatal'],
    [9, 2018352, 400, 'deferred'],
    [4, undefined, 400, 'rate-limited'],
    [17, undefined, 400, 'rate-limited'],
    [32, undefined, 400, 'rate-limited'],
    [613, undefined, 400, 'rate-limited'],
    [80006, undefined, 400, 'rate-limited'],
    [80014, undefined, 400, 'rate-limited'],
    [4, 2018354, 400, 'deferred'],
    [10, 1404170, 400, 'rate-limited'],
    [10, 1893015, 400, 'permanent'],
    [10, 2534022, 400, 'permanent'],
    [10, 1893063, 400, 'fatal'],
    [2300004, undefined, 400, 'permanent'],
    [2300005, undefined, 400, 'permanent'],
    [551, undefined, 400, 'permanent'],
    [10, 2018278, 400, 'permanent'],
    [10, 2018108, 400, 'permanent'],
    [100, 2018001, 400, 'permanent'],
    [200, 1545041, 403, 'permanent'],
    [190, undefined, 401, 'fatal'],
    [190, 463, 401, 'fatal'],
    [10, undefined, 403, 'fatal'],
    [10, 9999, 403, 'fatal'],
    [200, undefined, 403, 'fatal'],
    [230, undefined, 403, 'fatal'],
    [299, undefined, 403, 'fatal'],
    [368, undefined, 400, 'fatal'],
    [100, undefined, 400, 'permanent'],
    [999_999, undefined, 503, 'transient'],
    [999_999, undefined, 429, 'rate-limited'],
    [999_999, undefined, 400, 'permanent'],
    [551, 1545041, 400, 'permanent'],
    ...marketingCases(),
  ];
  for (const [code, subcode, status, expected] of cases) {
    it(`code ${code}${subcode === undefined ? '' : `/${subcode}`} with HTTP ${status} is ${expected}`, () => {
      assert.equal(classifyGraphError(code, subcode, status), expected);
    });
  }

  it('every entry of the table is exercised above', () => {
    const covered = new Set(
      cases.map(([code, subcode]) => (subcode === undefined ? String(code) : `${code}/${subcode}`)),
    );
    const missing = Object.keys(GRAPH_ERROR_CLASSES).filter(
      (key) => !covered.has(key) && !['80001', '80004', '10/2018065'].includes(key),
    );
    assert.deepEqual(missing, []);
  });

  it("every entry cites the page of Meta's documentation it comes from", () => {
    for (const [key, entry] of Object.entries(GRAPH_ERRORS))
      assert.match(entry.source, /^https:\/\/developers\.facebook\.com\/(docs|documentation)\//, key);
  });

  it("a subscription token that is invalid, opted out, expired or another Page's is permanent with advice to remove it", () => {
    for (const [code, subcode] of [
      [100, undefined],
      [10, 1893015],
      [2300004, undefined],
      [2300034, undefined],
      [2300037, undefined],
    ] as const) {
      assert.equal(classifyGraphError(code, subcode, 400), 'permanent');
      assert.match(
        graphErrorEntry(code, subcode)?.advice ?? '',
        /remove this (notification_messages_token|subscription token) from the audience, or refresh it/,
        `${code}/${subcode}`,
      );
    }
    assert.match(graphErrorEntry(2300005, undefined)?.advice ?? '', /another Page/);
  });

  it('only permanent per-person outcomes are marked for suppression: blocked, opted out, invalid, expired, another Page', () => {
    const suppressed = Object.entries(GRAPH_ERRORS)
      .filter(([, entry]) => entry.suppress)
      .map(([key]) => key)
      .sort();
    assert.deepEqual(suppressed, [
      '10/1893015',
      '200/1545041',
      '2300004',
      '2300005',
      '2300034',
      '2300037',
      '551',
      '551/1545041',
    ]);
    for (const key of suppressed) assert.equal(GRAPH_ERRORS[key]?.failureClass, 'permanent', key);
    // Outside the window, or a token in a region the API does not serve: permanent now, reachable another way.
    for (const key of ['10/2018278', '2300032', '100', '2300042'])
      assert.equal(GRAPH_ERRORS[key]?.suppress, undefined, key);
  });

  it('Marketing Messages limits per person are deferred (the Page keeps its pace), per Page rate-limited; a missing permission is fatal', () => {
    assert.equal(classifyGraphError(4, 2018354, 400), 'deferred');
    assert.equal(classifyGraphError(9, 2018352, 400), 'deferred');
    assert.equal(classifyGraphError(10, 1404170, 400), 'rate-limited');
    assert.equal(classifyGraphError(10, undefined, 403), 'fatal');
    assert.match(graphErrorEntry(10, undefined)?.advice ?? '', /Marketing Messages/);
    assert.equal(classifyGraphError(200, 2018028, 403), 'fatal');
  });

  it('an answer without a Graph error falls back to the HTTP status', () => {
    assert.equal(classifyGraphError(undefined, undefined, 502), 'transient');
    assert.equal(classifyHttpStatus(408), 'transient');
    assert.equal(classifyHttpStatus(429), 'rate-limited');
    assert.equal(classifyHttpStatus(401), 'fatal');
    assert.equal(classifyHttpStatus(404), 'permanent');
  });

  it('a webhook 4xx is permanent except 408 and 429, and 401 and 403, which refuse every request and halt the job', () => {
    assert.deepEqual([400, 401, 403, 404, 408, 429, 500, 503].map(classifyWebhookStatus), [
      'permanent',
      'fatal',
      'fatal',
      'permanent',
      'transient',
      'rate-limited',
      'transient',
      'transient',
    ]);
  });
});

describe('Retry-After and usage headers', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('1.5'), 1500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it('takes the highest usage percentage across the Graph usage headers', () => {
    const headers = new Headers({
      'x-app-usage': JSON.stringify({ call_count: 12, total_time: 40, total_cputime: 5 }),
      'x-business-use-case-usage': JSON.stringify({
        '123': [{ type: 'messenger', call_count: 91, estimated_time_to_regain_access: 900 }],
      }),
      'x-page-usage': 'not json',
    });
    assert.equal(parseUsagePercent(headers), 91);
    assert.equal(parseUsagePercent(new Headers()), undefined);
  });
});

describe('retry decisions', () => {
  const half = () => 0.5;
  it('permanent failures are recorded, fatal ones halt the job, neither is retried', () => {
    assert.deepEqual(decideRetry({ failureClass: 'permanent', attempt: 1, timeLeftMs: 60_000 }), { action: 'record' });
    assert.deepEqual(decideRetry({ failureClass: 'fatal', attempt: 1, timeLeftMs: 60_000 }), { action: 'halt' });
  });

  it('a deferred recipient goes back to the queue at once, for the Retry-After or a quarter of an hour, never retried in process', () => {
    assert.deepEqual(decideRetry({ failureClass: 'deferred', attempt: 1, timeLeftMs: 60_000 }), {
      action: 'return',
      delayMs: 15 * 60_000,
    });
    assert.deepEqual(
      decideRetry({ failureClass: 'deferred', attempt: 1, retryAfterMs: 7_200_000, timeLeftMs: 60_000 }),
      { action: 'return', delayMs: 7_200_000 },
    );
  });

  it('a transient failure is retried in process with a doubling, jittered backoff, then returned to the queue', () => {
    assert.deepEqual(decideRetry({ failureClass: 'transient', attempt: 1, timeLeftMs: 60_000 }, undefined, half), {
      action: 'retry',
      delayMs: 150,
    });
    assert.deepEqual(decideRetry({ failureClass: 'transient', attempt: 2, timeLeftMs: 60_000 }, undefined, half), {
      action: 'retry',
      delayMs: 300,
    });
    assert.deepEqual(decideRetry({ failureClass: 'transient', attempt: 3, timeLeftMs: 60_000 }, undefined, half), {
      action: 'return',
      delayMs: 600,
    });
    const delays = Array.from(
      { length: 200 },
      () => (decideRetry({ failureClass: 'transient', attempt: 1, timeLeftMs: 60_000 }) as { delayMs: number }).delayMs,
    );
    assert.ok(
      Math.min(...delays) >= 100 && Math.max(...delays) <= 200 && new Set(delays).size > 10,
      'full jitter within [base/2, base]',
    );
  });

  it("a rate-limit answer waits the provider's Retry-After, else a doubling second, and never jitters below it", () => {
    assert.deepEqual(
      decideRetry(
        { failureClass: 'rate-limited', attempt: 1, retryAfterMs: 2_000, timeLeftMs: 5_000 },
        undefined,
        () => 0,
      ),
      { action: 'retry', delayMs: 2_000 },
    );
    assert.deepEqual(
      decideRetry({ failureClass: 'rate-limited', attempt: 2, timeLeftMs: 60_000 }, undefined, () => 0),
      { action: 'retry', delayMs: 2_000 },
    );
  });

  it('a wait that does not fit in the invocation returns the recipient to the queue, visible again after that wait', () => {
    assert.deepEqual(
      decideRetry({ failureClass: 'rate-limited', attempt: 1, retryAfterMs: 9_000, timeLeftMs: 5_000 }),
      { action: 'return', delayMs: 9_000 },
    );
    assert.deepEqual(
      decideRetry({ failureClass: 'rate-limited', attempt: 1, retryAfterMs: 3_600_000, timeLeftMs: 5_000 }),
      { action: 'return', delayMs: 30_000 },
      'capped',
    );
  });
});

describe('templates', () => {
  it('renders fields and fallbacks', () => {
    assert.equal(renderTemplate('Hi {{ name }}, {{count}} new', { name: 'Ada', count: 3 }), 'Hi Ada, 3 new');
    assert.equal(renderTemplate('Hi {{name | "friend"}}!', { name: null }), 'Hi friend!');
    assert.equal(renderTemplate('{{a|"say \\"hi\\""}}', {}), 'say "hi"');
  });

  it('a missing field without fallback names the field', () => {
    assert.throws(
      () => renderTemplate('Hi {{name}}', {}),
      (error: unknown) => error instanceof TemplateError && error.field === 'name' && /name/.test(error.message),
    );
  });

  it('a NULL, missing or empty field takes the fallback; without one the recipient fails, the field named', () => {
    for (const fields of [{ name: null }, {}, { name: '' }]) {
      assert.equal(renderTemplate('Hi {{name | "there"}}!', fields), 'Hi there!', JSON.stringify(fields));
      assert.throws(
        () => renderTemplate('Hi {{name}}!', fields),
        (error: unknown) => error instanceof TemplateError && error.field === 'name',
      );
    }
    assert.equal(
      renderTemplate('{{n}} {{b}} {{z | "none"}}', { n: 0, b: false, z: null }),
      '0 false none',
      'zero and false are values, not missing',
    );
  });

  it('inserts hostile values literally: template syntax in a value is never expanded, nor are replacement patterns', () => {
    for (const value of HOSTILE_VALUES) {
      assert.equal(
        renderTemplate('Hello {{first_name}}, {{ psid | "x" }}!', { first_name: value, psid: 'P' }),
        `Hello ${value}, P!`,
        JSON.stringify(value),
      );
    }
    assert.equal(renderTemplate('{{a}}{{b}}', { a: '{{b}}', b: '$& $1 $$' }), '{{b}}$& $1 $$');
  });

  it('lists the fields a template needs, once each', () => {
    assert.deepEqual(templateFields('{{a}} {{ b | "x" }} {{a}}'), ['a', 'b']);
  });
});

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

// Any UTF-16 code unit (lone surrogates, U+FFFE, U+FFFF, controls included), astral characters and plain ASCII.
const anyUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((point) => String.fromCodePoint(point)),
  fc.constantFrom('\uFFFE', '\uFFFF', '\u0000', '\u007f', '\u200F', '"', '\\', '{', '}'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const hostileString = fc.string({ unit: anyUnit, maxLength: 40 });
const scalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const jsonLike = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 5 }),
  fc.dictionary(hostileString, scalar, { maxKeys: 5 }),
  fc.array(fc.dictionary(hostileString, scalar, { maxKeys: 3 }), { maxLength: 3 }),
);

describe('ASCII JSON', () => {
  it('escapes every code unit outside printable ASCII as \\uXXXX, astral characters as surrogate pairs', () => {
    assert.equal(asciiJson('Zoë 🚀'), '"Zo\\u00eb \\ud83d\\ude80"');
    assert.equal(asciiJson('\uFFFE\uFFFF'), '"\\ufffe\\uffff"');
    assert.equal(asciiJson({ a: '\u0000\u007f\u200F' }), '{"a":"\\u0000\\u007f\\u200f"}');
    assert.equal(asciiJson('lone \uD83D'), '"lone \\ud83d"');
    assert.equal(
      asciiJson({ plain: 'ascii "quoted" \\ {{x}}', n: 1.5, b: true, z: null }),
      JSON.stringify({ plain: 'ascii "quoted" \\ {{x}}', n: 1.5, b: true, z: null }),
      'printable ASCII is left as JSON.stringify writes it',
    );
    assert.throws(() => asciiJson(undefined), /undefined has no JSON form/);
  });

  it('round-trips any value with any unicode, lone surrogates included, and writes printable ASCII only', () => {
    fc.assert(
      fc.property(jsonLike, (value) => {
        const encoded = asciiJson(value);
        assert.match(encoded, PRINTABLE_ASCII);
        assert.deepEqual(JSON.parse(encoded), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 2000 },
    );
    for (const value of HOSTILE_VALUES) assert.equal(JSON.parse(asciiJson(value)), value, JSON.stringify(value));
  });
});

describe('paging', () => {
  it('refuses an id column that is not a plain identifier', () => {
    assert.throws(() => quoteIdentifier('id; DROP TABLE users'), /plain SQL identifier/);
  });

  it('chunks into SendMessageBatch-sized groups', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });

  it('hands over while twice the slowest page and the reserve still fit', () => {
    assert.equal(shouldHandOver(30_000, 5_000), false);
    assert.equal(shouldHandOver(19_000, 5_000), true);
  });
});

describe("the planner's bounded lead", () => {
  const lead = { leadSeconds: 2, ratePerSecond: 10, pageSize: 10 };
  it('counts what is enqueued without an outcome, never below zero', () => {
    assert.equal(outstanding({ enqueued: 50, sent: 20, failed: 3, skipped: 2 }), 25);
    assert.equal(outstanding({ enqueued: 5, sent: 6, failed: 0, skipped: 0 }), 0);
  });
  it('holds the next page while it would take the run past leadSeconds of the rate; never with nothing outstanding', () => {
    assert.equal(aheadOfLead(lead, 10), false, '10 + 10 fits in 2 s at 10/s');
    assert.equal(aheadOfLead(lead, 11), true);
    assert.equal(aheadOfLead({ ...lead, pageSize: 1000 }, 0), false, 'a lead shorter than a page still moves');
    assert.equal(aheadOfLead({ ...lead, leadSeconds: 0 }, 1_000_000), false, '0: no bound');
  });
  /** A fake clock that the waits' sleeps advance, and the invocation's time left on it. */
  const clock = (timeoutMs: number) => {
    let at = 0;
    return {
      now: () => at,
      sleep: async (ms: number) => {
        at += ms;
      },
      remainingMs: () => timeoutMs - at,
      elapsed: () => at,
    };
  };
  it('waits until the senders count enough outcomes, renewing its lease', async () => {
    const counts = [30, 25, 10];
    let renewed = 0;
    const result = await waitForLead({
      lead,
      outstanding: async () => counts.shift() ?? 0,
      stuck: 0,
      renewLease: async () => void renewed++,
      slowestPageMs: 100,
      ...clock(300_000),
    });
    assert.deepEqual([result, renewed, counts.length], [{ next: 'go', stuck: 0 }, 2, 0]);
  });
  it('hands over when its time runs short', async () => {
    const base = { lead, outstanding: async () => 30, stuck: 0, renewLease: async () => undefined, slowestPageMs: 100 };
    assert.deepEqual(await waitForLead({ ...base, ...clock(5_000) }), { next: 'hand-over', stuck: 0 });
  });
  it('a stuck count stalls once (tasks in the DLQ), then the next pages go without waiting', async () => {
    const time = clock(900_000);
    let count = 30;
    const base = { lead, outstanding: async () => count, renewLease: async () => undefined, slowestPageMs: 100 };
    const first = await waitForLead({ ...base, stuck: 0, ...time });
    assert.deepEqual(first, { next: 'go', stuck: 30 }, 'what stood still is taken as gone');
    assert.equal(time.elapsed(), LEAD_STALL_MS, 'after the whole stall time');
    // The next pages add to the stuck 30: measured beyond them, each fits the lead of 20 at once.
    for (const added of [10, 10]) {
      count += added;
      const page = await waitForLead({ ...base, stuck: first.stuck, ...time });
      assert.deepEqual(page, { next: 'go', stuck: 30 });
      assert.equal(time.elapsed(), LEAD_STALL_MS, 'no second wait');
      count -= added;
    }
    // Stuck tasks that get an outcome after all give their place back: the stuck count follows the count down.
    count = 12;
    assert.deepEqual(await waitForLead({ ...base, stuck: 30, ...time }), { next: 'go', stuck: 12 });
  });
  it('a short invocation goes after its reduced stall instead of handing over forever', async () => {
    const base = {
      lead,
      outstanding: async () => 30,
      stuck: 0,
      renewLease: async () => undefined,
      slowestPageMs: 1_000,
    };
    // A 30 s timeout: 18 s before it must hand over, so it stalls after 9 s, not 60.
    assert.equal(stallMs(30_000, 1_000), 9_000);
    const time = clock(30_000);
    assert.deepEqual(await waitForLead({ ...base, ...time }), { next: 'go', stuck: 30 });
    assert.equal(time.elapsed(), 9_000);
    assert.equal(stallMs(300_000, 1_000), LEAD_STALL_MS, 'a long invocation waits the whole stall time');
    assert.equal(stallMs(10_000 + 2_000 + 2 * LEAD_POLL_MS - 1, 1_000), Number.POSITIVE_INFINITY, 'less than a poll');
  });
  it('a moving count never trips the stall: it waits on, then hands over to its continuation', async () => {
    let count = 1_000;
    const time = clock(300_000);
    const result = await waitForLead({
      lead,
      outstanding: async () => {
        count -= 1;
        return count;
      },
      stuck: 0,
      renewLease: async () => undefined,
      slowestPageMs: 100,
      ...time,
    });
    assert.deepEqual(result, { next: 'hand-over', stuck: 0 });
    assert.ok(time.elapsed() > LEAD_STALL_MS, 'waited past the stall time without taking anything as gone');
  });
  it("a task body's message group is its job", () => {
    const [task] = groupTasks(
      { runId: 'news@2026-12-01T08:00:00Z', job: 'news' },
      [{ cursor: '1', recipient: { id: 'psid-1', fields: {} } }],
      10,
    );
    assert.equal(messageGroupOfBody(task?.body ?? ''), 'news');
    assert.equal(messageGroupOfBody('not json'), undefined);
  });
});

describe('reading ahead', () => {
  const audience = Array.from({ length: 25 }, (_, index) => ({ id: index + 1 }));
  const keyset =
    (log: (string | null)[], size = 10, gate?: () => Promise<void>) =>
    async (from: string | null) => {
      log.push(from);
      await gate?.();
      return audience.filter((row) => from === null || row.id > Number(from)).slice(0, size);
    };
  const cursor = (row: { id: number }) => String(row.id);

  it('reads every page once, in keyset order, ending at the short page', async () => {
    const log: (string | null)[] = [];
    const reader = new ReadAhead({ read: keyset(log), cursorOf: cursor, from: null, pageSize: 10, depth: 2 });
    const pages: number[][] = [];
    for (let rows = await reader.next(); rows.length > 0; rows = await reader.next())
      pages.push(rows.map((row) => row.id));
    assert.deepEqual(
      pages.map((page) => [page[0], page.at(-1)]),
      [
        [1, 10],
        [11, 20],
        [21, 25],
      ],
    );
    assert.deepEqual(log, [null, '10', '20']);
  });

  it('keeps at most `depth` pages read and not taken', async () => {
    const log: (string | null)[] = [];
    const reader = new ReadAhead({ read: keyset(log, 5), cursorOf: cursor, from: '0', pageSize: 5, depth: 2 });
    await reader.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // The taken page and two read ahead of it.
    assert.deepEqual(log, ['0', '5', '10']);
    await reader.close();
  });

  it('a failed read surfaces when its page is taken, and reading stops there', async () => {
    let reads = 0;
    const reader = new ReadAhead({
      read: async (from) => {
        if (++reads === 2) throw new Error('connection terminated');
        return audience.filter((row) => from === null || row.id > Number(from)).slice(0, 10);
      },
      cursorOf: cursor,
      from: null,
      pageSize: 10,
      depth: 3,
    });
    assert.equal((await reader.next()).length, 10);
    await assert.rejects(reader.next(), /connection terminated/);
    assert.deepEqual(await reader.next(), []);
    assert.equal(reads, 2);
  });

  it('stops at a page whose last row has no cursor, and close waits for the read in flight', async () => {
    let release: () => void = () => undefined;
    const log: (string | null)[] = [];
    const reader = new ReadAhead({
      read: keyset(log, 10, () => new Promise<void>((resolve) => (release = resolve))),
      cursorOf: () => null,
      from: null,
      pageSize: 10,
      depth: 2,
    });
    const first = reader.next();
    let closed = false;
    const closing = reader.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(closed, false, 'close waits for the query in flight');
    release();
    await closing;
    assert.equal((await first).length, 10);
    assert.deepEqual(await reader.next(), []);
    assert.deepEqual(log, [null]);
  });
});

describe('progress checkpoints', () => {
  it('writes the first page at once, then one coalesced write per interval, in order, and the rest on flush', async () => {
    let now = 0;
    const writes: [string, Record<string, number>][] = [];
    const checkpoints = new Checkpoints(
      async (cursor, added) => void writes.push([cursor, { ...added }]),
      1_000,
      () => now,
    );
    checkpoints.record('10', { planned: 10, enqueued: 9, skipped: 1 });
    now = 400;
    checkpoints.record('20', { planned: 10, enqueued: 10, skipped: 0 });
    now = 900;
    checkpoints.record('30', { planned: 10, enqueued: 10 });
    now = 1_000;
    checkpoints.record('40', { planned: 10, enqueued: 8, failed: 2 });
    now = 1_500;
    checkpoints.record('50', { planned: 5, enqueued: 5 });
    await checkpoints.flush();
    assert.deepEqual(writes, [
      ['10', { planned: 10, enqueued: 9, skipped: 1 }],
      ['40', { planned: 30, enqueued: 28, failed: 2 }],
      ['50', { planned: 5, enqueued: 5 }],
    ]);
    await checkpoints.flush();
    assert.equal(writes.length, 3, 'nothing left to write');
  });

  it('with an interval of 0 writes every page, one write at a time', async () => {
    const events: string[] = [];
    const checkpoints = new Checkpoints(async (cursor) => {
      events.push(`start ${cursor}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      events.push(`end ${cursor}`);
    }, 0);
    checkpoints.record('1', { planned: 1 });
    checkpoints.record('2', { planned: 1 });
    await checkpoints.flush();
    assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('after a failed write nothing more is written and the failure surfaces', async () => {
    const written: string[] = [];
    const checkpoints = new Checkpoints(async (cursor) => {
      if (cursor === '1') throw new Error('lease lost');
      written.push(cursor);
    }, 0);
    checkpoints.record('1', { planned: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.throws(() => checkpoints.record('2', { planned: 1 }), /lease lost/);
    await assert.rejects(checkpoints.flush(), /lease lost/);
    assert.deepEqual(written, []);
  });
});

describe('tasks', () => {
  const spec = {
    runId: 'daily@2026-01-01T00:00:00Z',
    job: 'daily',
    idColumn: 'id',
    recipientColumn: 'psid',
    fields: ['first_name'],
  };

  it('carries only the fields the template needs', () => {
    const built = buildRecipient(spec, { id: 7n, psid: 'p7', first_name: 'Ada', secret_column: 'x' });
    assert.ok(built.ok);
    assert.deepEqual(built.recipient, { id: 'p7', fields: { first_name: 'Ada' } });
    assert.equal(built.cursor, '["7","p7"]');
  });

  it('a row without a recipient names the column', () => {
    const built = buildRecipient(spec, { id: 8, psid: '  ' });
    assert.equal(built.ok, false);
    assert.match((built as { reason: string }).reason, /"psid" \(recipientColumn\)/);
  });

  const page = (count: number, fieldBytes = 4) =>
    Array.from({ length: count }, (_, index) => ({
      cursor: String(index + 1),
      recipient: { id: `p${index + 1}`, fields: { first_name: 'x'.repeat(fieldBytes) } },
    }));

  it('packs a page into groups named by their first cursor, each a valid task that reads back', () => {
    const tasks = groupTasks(spec, page(25), 10);
    assert.deepEqual(
      tasks.map((task) => [task.key, task.recipients.length]),
      [
        ['c:1', 10],
        ['c:11', 10],
        ['c:21', 5],
      ],
    );
    const parsed = parseTask(tasks[1]?.body ?? '');
    assert.ok(parsed.ok);
    assert.equal(parsed.task.group, 'c:11');
    assert.deepEqual(parsed.task.recipients[0], { id: 'p11', fields: { first_name: 'xxxx' } });
    assert.deepEqual(
      groupTasks(spec, page(25), 10),
      tasks,
      'the same page gives the same groups, so a re-enqueued page is dropped by the ledger',
    );
  });

  it('one recipient per task names the group after the recipient; a body never outgrows its byte limit', () => {
    assert.deepEqual(
      groupTasks(spec, page(3), 1).map((task) => task.key),
      ['r:p1', 'r:p2', 'r:p3'],
    );
    const big = groupTasks(spec, page(10, 9_000), 10);
    assert.ok(big.length >= 4, `${big.length} tasks`);
    for (const task of big)
      assert.ok(Buffer.byteLength(task.body) <= MAX_TASK_BYTES, `${Buffer.byteLength(task.body)} bytes`);
    assert.equal(
      big.reduce((sum, task) => sum + task.recipients.length, 0),
      10,
    );
    const long = groupTasks(spec, [{ cursor: 'k'.repeat(400), recipient: { id: 'p1', fields: {} } }], 10);
    assert.match(long[0]?.key ?? '', /^h:[\w-]{43}$/);
  });

  it('task bodies are printable ASCII whatever the audience holds, and read back to the same recipients', () => {
    const recipients = HOSTILE_VALUES.map((value, index) => ({
      cursor: `${index + 1}`,
      recipient: { id: `p-${value.slice(0, 20)}-${index}`, fields: { first_name: value, note: null } },
    }));
    const tasks = groupTasks({ runId: 'daily@2026-11-28T08:00:00Z', job: 'daily' }, recipients, 4);
    assert.deepEqual(
      tasks.map((task) => task.recipients.length),
      [4, 4, 2],
    );
    for (const task of tasks) assert.match(task.body, PRINTABLE_ASCII);
    const back = tasks.flatMap((task) => {
      const parsed = parseTask(task.body);
      assert.ok(parsed.ok, JSON.stringify(parsed));
      return parsed.task.recipients;
    });
    assert.deepEqual(
      back,
      recipients.map((entry) => entry.recipient),
    );
    // A cursor that is not printable ASCII names its group by digest; the body stays ASCII and its group reads back.
    const [textual] = groupTasks(
      { runId: 'r', job: 'daily' },
      [{ cursor: 'zoë🚀\uFFFF', recipient: { id: 'p1', fields: {} } }],
      10,
    );
    assert.match(textual?.body ?? '', PRINTABLE_ASCII);
    assert.match((parseTask(textual?.body ?? '') as { task: { group: string } }).task.group, /^h:[A-Za-z0-9_-]{43}$/);
  });

  it('MAX_TASK_BYTES counts the escaped size: each body is full, and the next recipient would not fit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: anyUnit, maxLength: 1500 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        (names, perTask) => {
          const page = names.map((name, index) => ({
            cursor: String(index + 1),
            recipient: { id: `p${index + 1}`, fields: { first_name: name } },
          }));
          const tasks = groupTasks({ runId: 'r', job: 'daily' }, page, perTask);
          assert.deepEqual(
            tasks.flatMap((task) => task.recipients),
            page.map((entry) => entry.recipient.id),
            'every recipient once, in order',
          );
          let next = 0;
          for (const task of tasks) {
            assert.match(task.body, PRINTABLE_ASCII);
            next += task.recipients.length;
            if (task.recipients.length > 1) assert.ok(task.body.length <= MAX_TASK_BYTES, `${task.body.length} bytes`);
            const following = page[next];
            if (following && task.recipients.length < perTask)
              assert.ok(task.body.length + 1 + asciiJson(following.recipient).length > MAX_TASK_BYTES, 'closed early');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a name of astral characters takes six bytes a code unit, so fewer recipients fit a body than UTF-8 would fit', () => {
    const rockets = (count: number) =>
      Array.from({ length: count }, (_, index) => ({
        cursor: String(index + 1),
        recipient: { id: `p${index + 1}`, fields: { first_name: '🚀'.repeat(400) } },
      }));
    const tasks = groupTasks(spec, rockets(20), 20);
    // 400 rockets: 1,600 bytes of UTF-8 but 4,800 escaped (12 bytes each); a body holds 5 such recipients, not 15.
    assert.deepEqual(
      tasks.map((task) => task.recipients.length),
      [5, 5, 5, 5],
    );
  });

  it('a rejected group is split into one task per recipient, named after the recipient; a rejected single fails alone', () => {
    const run = { runId: 'daily@2026-11-28T08:00:00Z', job: 'daily' };
    const page = HOSTILE_VALUES.slice(0, 6).map((value, index) => ({
      cursor: String(index + 1),
      recipient: { id: `p${index + 1}`, fields: { first_name: value } },
    }));
    const tasks = groupTasks(run, page, 3);
    const plan = planRejections(tasks, [
      { index: 1, code: 'InvalidMessageContents', message: 'Invalid characters found.' },
    ]);
    assert.deepEqual(plan.failed, []);
    assert.deepEqual(
      plan.resend.map((task) => [task.key, task.recipients]),
      [
        ['r:p4', ['p4']],
        ['r:p5', ['p5']],
        ['r:p6', ['p6']],
      ],
    );
    for (const [offset, task] of plan.resend.entries()) {
      const parsed = parseTask(task.body);
      assert.ok(parsed.ok);
      assert.deepEqual(
        { ...parsed.task, recipients: undefined },
        { v: 2, ...run, group: `r:p${offset + 4}`, recipients: undefined },
      );
      assert.deepEqual(parsed.task.recipients, [page[offset + 3]?.recipient]);
    }
    assert.deepEqual(
      splitTask(tasks[1] as GroupedTask),
      plan.resend,
      'the same group splits into the same tasks, so a retried page is dropped by the ledger',
    );
    const again = planRejections(plan.resend, [
      { index: 2, code: 'InvalidMessageContents', message: 'Invalid characters found.' },
    ]);
    assert.deepEqual(again, {
      resend: [],
      failed: [
        { recipientId: 'p6', reason: 'SQS rejected the task: InvalidMessageContents Invalid characters found.' },
      ],
    });
  });

  it('rejections are matched to tasks by position: a rejected task does not take down another with the same key', () => {
    // A key that repeats (an idColumn value shared by two groups' first rows) names two different tasks.
    const run = { runId: 'r', job: 'daily' };
    const page = Array.from({ length: 4 }, (_, index) => ({ cursor: '7', recipient: { id: `p${index}`, fields: {} } }));
    const tasks = groupTasks(run, page, 2);
    assert.deepEqual(
      tasks.map((task) => task.key),
      ['c:7', 'c:7'],
    );
    const plan = planRejections(tasks, [{ index: 0, code: 'InvalidMessageContents', message: 'x' }]);
    assert.deepEqual(
      plan.resend.flatMap((task) => task.recipients),
      ['p0', 'p1'],
    );
    assert.throws(
      () => planRejections(tasks, [{ index: 2, code: 'X', message: 'x' }]),
      /rejected task 2 of 2, which was not sent/,
    );
  });

  it('parsing a body names the bad field; a version 1 body reads as a group of one', () => {
    assert.equal(parseTask('{').ok, false);
    const parsed = parseTask(JSON.stringify({ v: 1, runId: 'r', job: 'daily', recipientId: 5, fields: {} }));
    assert.equal(parsed.ok, false);
    assert.equal((parsed as { issues: { path: string }[] }).issues[0]?.path, 'recipientId');
    const v1 = parseTask(JSON.stringify({ v: 1, runId: 'r', job: 'daily', recipientId: '5', fields: { a: 1 } }));
    assert.deepEqual(v1.ok && v1.task, {
      v: 2,
      runId: 'r',
      job: 'daily',
      group: 'r:5',
      recipients: [{ id: '5', fields: { a: 1 } }],
    });
    const twice = parseTask(
      JSON.stringify({
        v: 2,
        runId: 'r',
        job: 'daily',
        group: 'c:1',
        recipients: [
          { id: 'a', fields: {} },
          { id: 'a', fields: {} },
        ],
      }),
    );
    assert.equal((twice as { issues: { path: string }[] }).issues[0]?.path, 'recipients[1].id');
    assert.equal(
      (
        parseTask(JSON.stringify({ v: 2, runId: 'r', job: 'daily', group: 'c:1', recipients: [] })) as {
          issues: { path: string }[];
        }
      ).issues[0]?.path,
      'recipients',
    );
    assert.equal((parseTask(JSON.stringify({ v: 3 })) as { issues: { path: string }[] }).issues[0]?.path, 'v');
  });

  it('the run id is the job and the tick, normalised', () => {
    assert.equal(runIdFor('daily', '2026-11-28T08:00:00.000Z'), 'daily@2026-11-28T08:00:00Z');
    assert.equal(runIdFor('daily', '2026-11-28T09:00:00+01:00'), 'daily@2026-11-28T08:00:00Z');
    assert.throws(() => runIdFor('daily', 'yesterday'), /not a valid timestamp/);
  });
});

describe('pacing and concurrency', () => {
  it('the pacer spaces requests at its rate, halves it on a rate-limit answer (once per overshoot) and recovers on acceptances', () => {
    let now = 0;
    const pacer = new Pacer(10, 1, () => now);
    assert.equal(pacer.reserve().waitMs, 0);
    assert.equal(Math.round(pacer.reserve().waitMs), 100);
    pacer.onRateLimited();
    pacer.onRateLimited();
    assert.equal(pacer.rate, 5, 'answers to the same overshoot cut once');
    now += 10_000;
    for (let index = 0; index < 100; index++) pacer.onAccepted();
    assert.equal(pacer.rate, 10, 'never above the share');
  });

  it('a usage header is a soft signal: below 100 % it changes nothing, at 100 % the rate eases off by a tenth', () => {
    let now = 0;
    const pacer = new Pacer(10, 1, () => now);
    pacer.onAccepted(85);
    pacer.onAccepted(99);
    assert.equal(pacer.rate, 10);
    pacer.onAccepted(100);
    assert.equal(pacer.rate, 9);
    now += 1_000;
    pacer.onAccepted(120);
    assert.equal(Math.round(pacer.rate * 10) / 10, 8.1);
  });

  it('a straggler is a request out ten times longer than the usual answer, within a floor and the channel timeout', () => {
    const latency = new LatencyEstimate(40);
    assert.equal(latency.stragglerAfterMs(500, 10_000), 500);
    for (let index = 0; index < 200; index++) latency.observe(300);
    assert.ok(Math.abs(latency.stragglerAfterMs(500, 10_000) - 3_000) < 10);
    assert.equal(latency.stragglerAfterMs(500, 2_000), 2_000);
  });

  it('a pacer with a burst lets one batch go at once after an idle spell, then holds the rate', () => {
    let now = 0;
    const pacer = new Pacer(10, 5, () => now);
    now += 10_000;
    assert.deepEqual(
      Array.from({ length: 5 }, () => pacer.reserve().waitMs),
      [0, 0, 0, 0, 0],
    );
    assert.equal(Math.round(pacer.reserve().waitMs), 100);
  });

  it('a turn due later than the caller can wait is not taken: the next caller who can wait gets it', () => {
    const now = 0;
    const pacer = new Pacer(5, 1, () => now);
    assert.deepEqual(pacer.reserve(1_000), { taken: true, waitMs: 0 });
    assert.deepEqual(pacer.reserve(1_000), { taken: true, waitMs: 200 });
    // The third turn is due in 400 ms: one who may wait only 300 ms leaves it, and it is still there for the next.
    assert.deepEqual(pacer.reserve(300), { taken: false, waitMs: 400 });
    assert.deepEqual(pacer.reserve(1_000), { taken: true, waitMs: 400 });
    assert.equal(Math.round(pacer.reserve(60_000).waitMs), 600);
  });

  it('a semaphore lets its permits through in arrival order and frees them on failure', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    let active = 0;
    let peak = 0;
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((value) =>
        semaphore.use(async () => {
          active++;
          peak = Math.max(peak, active);
          order.push(value);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
          if (value === 2) throw new Error('boom');
          return value;
        }),
      ),
    );
    assert.deepEqual(order, [1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
  });
});

describe('webhook signatures (Standard Webhooks)', () => {
  const key = (secret: string) => {
    const parsed = webhookKey(secret);
    assert.ok(parsed.ok, `a valid secret: ${secret}`);
    return parsed.key;
  };

  it("signs the specification's test vector as the specification does", () => {
    // The vector published with the Standard Webhooks reference libraries.
    const signed = { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' };
    assert.equal(
      signWebhook([key('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')], signed),
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('during a rotation each secret adds its signature, space-separated, in the order given', () => {
    const signed = { id: 'msg_x', timestamp: 1_800_000_000, body: '{}' };
    const current = key(`whsec_${Buffer.alloc(32, 1).toString('base64')}`);
    const previous = key(`whsec_${Buffer.alloc(32, 2).toString('base64')}`);
    const both = signWebhook([current, previous], signed).split(' ');
    assert.deepEqual(both, [signWebhook([current], signed), signWebhook([previous], signed)]);
    assert.notEqual(both[0], both[1]);
  });

  it('a secret must be whsec_ followed by base64 of at least 24 bytes', () => {
    assert.match(String((webhookKey('s3cret-signing-key') as { reason: string }).reason), /whsec_<base64>/);
    assert.match(String((webhookKey('whsec_not base64!') as { reason: string }).reason), /not base64/);
    assert.match(
      String((webhookKey(`whsec_${Buffer.alloc(16).toString('base64')}`) as { reason: string }).reason),
      /16 bytes/,
    );
    assert.equal(key(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).length, 24);
  });

  it('the webhook id is the same for every attempt at one recipient of one run, and differs otherwise', () => {
    assert.equal(webhookId('daily@2026-11-28T08:00:00Z/psid-1'), webhookId('daily@2026-11-28T08:00:00Z/psid-1'));
    assert.notEqual(webhookId('daily@2026-11-28T08:00:00Z/psid-1'), webhookId('daily@2026-11-28T08:00:00Z/psid-2'));
    assert.notEqual(webhookId('daily@2026-11-28T08:00:00Z/psid-1'), webhookId('daily@2026-11-29T08:00:00Z/psid-1'));
    // A recipient id with characters no header may carry still gives a header-safe id.
    assert.match(webhookId('run/\r\n\u0000 ü 👋'), /^msg_[A-Za-z0-9_-]+$/);
  });
});

describe('Messenger recipients and the 24-hour window', () => {
  const base = {
    text: 'Hi',
    messagingType: 'UPDATE' as const,
    idempotencyKey: 'run/x',
    quickReplies: [{ title: 'Open', payload: 'OPEN' }],
  };
  const job = (
    recipientKind: 'psid' | 'notification_messages_token' | 'user_ref' | 'subscription_token',
    messagingType: 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG' = 'UPDATE',
    tag?: 'HUMAN_AGENT',
  ) => ({ audience: { recipientKind }, messagingType, ...(tag ? { tag } : {}) }) as Parameters<typeof describeReach>[0];

  it('sends the recipient shape of each kind, and a token without messaging_type or tag', () => {
    const quick = [{ content_type: 'text', title: 'Open', payload: 'OPEN' }];
    assert.deepEqual(sendApiBody({ ...base, recipientId: 'psid-1' }), {
      recipient: { id: 'psid-1' },
      messaging_type: 'UPDATE',
      message: { text: 'Hi', quick_replies: quick },
    });
    assert.deepEqual(
      sendApiBody({
        ...base,
        recipientId: 'ref-1',
        recipientKind: 'user_ref',
        messagingType: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
      }),
      {
        recipient: { user_ref: 'ref-1' },
        messaging_type: 'MESSAGE_TAG',
        tag: 'HUMAN_AGENT',
        message: { text: 'Hi', quick_replies: quick },
      },
    );
    assert.deepEqual(sendApiBody({ ...base, recipientId: 'tok-1', recipientKind: 'notification_messages_token' }), {
      recipient: { notification_messages_token: 'tok-1' },
      message: { text: 'Hi', quick_replies: quick },
    });
  });

  it('describes, per job, whom it reaches outside the window', () => {
    const psid = describeReach(job('psid'));
    assert.deepEqual([psid.recipientKind, psid.messagingType, psid.outsideWindow], ['psid', 'UPDATE', 'not-reached']);
    assert.match(psid.summary, /only people who wrote to the Page within the last 24 hours .* 10\/2018278/);
    const tagged = describeReach(job('user_ref', 'MESSAGE_TAG', 'HUMAN_AGENT'));
    assert.deepEqual(
      [tagged.recipientKind, tagged.tag, tagged.outsideWindow],
      ['user_ref', 'HUMAN_AGENT', 'reached-for-tag-use-only'],
    );
    assert.match(tagged.summary, /may not carry promotional content/);
    const token = describeReach(job('notification_messages_token'));
    assert.deepEqual([token.messagingType, token.tag, token.outsideWindow], [null, null, 'reached']);
    assert.match(
      token.summary,
      /Recurring Notifications.*only for subscribers in the EU, the UK, Japan.*remove or refresh/,
    );
    const marketing = describeReach(job('subscription_token'));
    assert.deepEqual([marketing.messagingType, marketing.outsideWindow], [null, 'reached']);
    assert.match(
      marketing.summary,
      /Marketing Message API.*except subscribers in the EU.*charges the business per message/,
    );
    const utility = describeReach({ ...job('psid'), template: { utility: { name: 'order_update', language: 'en' } } });
    assert.deepEqual([utility.messagingType, utility.outsideWindow], ['UTILITY', 'reached']);
    assert.match(utility.summary, /utility template order_update.*never promotional content/);
  });

  it('the 24-hour window bounds RESPONSE and UPDATE texts to PSIDs and user_refs, not a tag, a utility template or a token', () => {
    assert.equal(windowBound(job('psid')), true);
    assert.equal(windowBound(job('user_ref', 'RESPONSE')), true);
    assert.equal(windowBound(job('psid', 'MESSAGE_TAG', 'HUMAN_AGENT')), false);
    assert.equal(
      windowBound({ ...job('psid'), template: { utility: { name: 'order_update', language: 'en' } } }),
      false,
    );
    assert.equal(windowBound(job('notification_messages_token')), false);
    assert.equal(windowBound(job('subscription_token')), false);
  });

  it('tells an outside-the-window failure by the reason the channel records', () => {
    assert.equal(
      failedOutsideWindow(
        'Graph API error 10/2018278 (HTTP 400): (#10) This message is sent outside of allowed window.',
      ),
      true,
    );
    assert.equal(failedOutsideWindow('Graph API error 10/2534022 (HTTP 400): outside'), true);
    assert.equal(failedOutsideWindow('Graph API error 10/20182780 (HTTP 400): another code'), false);
    assert.equal(failedOutsideWindow('Graph API error 551 (HTTP 400): blocked'), false);
    assert.equal(failedOutsideWindow(undefined), false);
  });

  it("the sandbox's window: RESPONSE/UPDATE within 24 hours, a tag at any time, a token by its state", () => {
    const now = Date.UTC(2026, 11, 1, 12);
    const hour = 3_600_000;
    const model = {
      lastInteractionAt: new Map([
        ['recent', now - 23 * hour],
        ['stale', now - 25 * hour],
        ['ref-recent', now - hour],
      ]),
      tokens: new Map([
        ['ok', 'valid'],
        ['stop', 'opted-out'],
        ['theirs', 'other-page'],
      ] as const),
    };
    const refusal = (body: unknown) => windowRefusal(body, now, model);
    assert.equal(refusal({ recipient: { id: 'recent' }, messaging_type: 'RESPONSE' }), undefined);
    assert.equal(refusal({ recipient: { user_ref: 'ref-recent' }, messaging_type: 'UPDATE' }), undefined);
    for (const recipient of [{ id: 'stale' }, { id: 'never' }, { user_ref: 'stale' }])
      assert.deepEqual(refusal({ recipient, messaging_type: 'UPDATE' }), {
        code: 10,
        subcode: 2018278,
        message: '(#10) This message is sent outside of allowed window.',
      });
    assert.equal(refusal({ recipient: { id: 'stale' }, messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' }), undefined);
    // Retired on 27 April 2026: Meta answers error 100.
    for (const tag of ['CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'ACCOUNT_UPDATE'])
      assert.equal(refusal({ recipient: { id: 'stale' }, messaging_type: 'MESSAGE_TAG', tag })?.code, 100, tag);
    assert.equal(refusal({ recipient: { id: 'stale' }, messaging_type: 'UTILITY' }), undefined);
    assert.equal(
      refusal({ recipient: { id: 'stale' }, messaging_type: 'MESSAGE_TAG', tag: 'NON_PROMOTIONAL_SUBSCRIPTION' })?.code,
      100,
    );
    assert.equal(refusal({ recipient: { notification_messages_token: 'ok' } }), undefined);
    assert.deepEqual(refusal({ recipient: { notification_messages_token: 'stop' } }), {
      code: 10,
      subcode: 1893015,
      message: '(#10) This user has currently stopped notification messages for this topic',
    });
    assert.equal(refusal({ recipient: { notification_messages_token: 'theirs' } })?.code, 2300005);
    assert.equal(refusal({ recipient: { notification_messages_token: 'forged' } })?.code, 100);
    assert.equal(recipientKey({ recipient: { notification_messages_token: 'ok' } }), 'ok');
  });
});

describe('Messenger routes: the Marketing Message API and utility templates', () => {
  const channel = (extra: Record<string, unknown> = {}) =>
    parseConfigItem('channel', {
      id: 'page',
      type: 'messenger',
      pageId: '1909458034523498',
      accessToken: { ssmParameter: '/page-token' },
      ...extra,
    }) as MessengerChannelConfig;
  const job = (extra: Record<string, unknown>) =>
    parseConfigItem('job', {
      id: 'j',
      database: 'db',
      channel: 'page',
      audience: { sql: 'SELECT 1' },
      ...extra,
    }) as JobConfig;
  const marketingJob = job({
    audience: { sql: 'SELECT 1', recipientColumn: 'token', recipientKind: 'subscription_token' },
    template: { text: 'Hi {{ first_name | "there" }}, 20% off this week' },
    marketingMessage: { messageId: '120210000000000001', minConversationGapSeconds: 3600 },
  });
  const utilityJob = job({
    template: {
      utility: {
        name: 'order_update',
        language: 'en_US',
        header: ['{{ order_type | "Order" }}'],
        body: { order_id: '{{ order_id }}', customer_name: '{{ first_name | "there" }}' },
      },
    },
  });

  it('a subscription token goes to act_<adAccountId>/messages with the campaign, the token and the text', () => {
    const rendered = renderMessage('r', marketingJob, { id: 'tok-1', fields: { first_name: 'Zoë 🚀' } });
    assert.ok(rendered.ok);
    assert.deepEqual(graphRequest(channel({ adAccountId: '1234567890' }), rendered.message), {
      path: 'act_1234567890/messages',
      body: {
        message_id: '120210000000000001',
        messenger_delivery_data: { subscription_token: 'tok-1' },
        message: { text: 'Hi Zoë 🚀, 20% off this week' },
        min_conversation_gap_seconds: 3600,
      },
    });
    assert.equal(
      marketingMessageBody({ ...rendered.message, marketingMessage: { messageId: '7' } }).min_conversation_gap_seconds,
      undefined,
    );
  });

  it('a subscription token on a channel without adAccountId halts the job instead of failing anyone', () => {
    const rendered = renderMessage('r', marketingJob, { id: 'tok-1', fields: {} });
    assert.ok(rendered.ok);
    assert.throws(
      () => graphRequest(channel(), rendered.message),
      (error: unknown) => {
        assert.ok(error instanceof FatalChannelError);
        assert.match(error.message, /channel "page": a subscription_token job needs the channel's adAccountId/);
        return true;
      },
    );
  });

  it('a utility template goes to the Page with messaging_type UTILITY, its name, language and filled placeholders', () => {
    const rendered = renderMessage('r', utilityJob, { id: 'psid-1', fields: { order_id: 566701, first_name: null } });
    assert.ok(rendered.ok);
    assert.deepEqual(graphRequest(channel(), rendered.message), {
      path: '1909458034523498/messages',
      body: {
        recipient: { id: 'psid-1' },
        messaging_type: 'UTILITY',
        message: {
          template: {
            name: 'order_update',
            language: { code: 'en_US' },
            components: [
              { type: 'header', parameters: [{ type: 'text', text: 'Order' }] },
              {
                type: 'body',
                parameters: [
                  { type: 'text', parameter_name: 'order_id', text: '566701' },
                  { type: 'text', parameter_name: 'customer_name', text: 'there' },
                ],
              },
            ],
          },
        },
      },
    });
  });

  it('a utility placeholder whose field is missing and has no fallback fails that recipient, naming the field', () => {
    const rendered = renderMessage('r', utilityJob, { id: 'psid-2', fields: { first_name: 'Ada' } });
    assert.deepEqual(rendered, {
      ok: false,
      field: 'order_id',
      reason: 'template field "order_id" is missing or empty and has no fallback',
    });
  });

  it("the sandbox's Marketing Message API: the path, the shape, the campaign and the token", () => {
    assert.equal(isMarketingPath('/v26.0/act_123/messages'), true);
    assert.equal(isMarketingPath('/v26.0/me/messages'), false);
    const model = {
      lastInteractionAt: new Map(),
      tokens: new Map([
        ['ok', 'valid'],
        ['stop', 'opted-out'],
        ['theirs', 'other-page'],
        ['old', 'expired'],
      ] as const),
      campaigns: new Map([
        ['1', 'active'],
        ['2', 'inactive'],
        ['3', 'not-ready'],
      ] as const),
    };
    const body = (token: string, messageId = '1', text = 'Hi') => ({
      message_id: messageId,
      messenger_delivery_data: { subscription_token: token },
      message: { text },
    });
    const code = (value: unknown) => marketingRefusal(value, model)?.code;
    assert.equal(code(body('ok')), undefined);
    assert.deepEqual(
      ['stop', 'theirs', 'old', 'forged'].map((token) => code(body(token))),
      [2300034, 2300005, 2300037, 2300004],
    );
    assert.deepEqual(
      ['2', '3', '9'].map((id) => code(body('ok', id))),
      [2300000, 2300041, 2300001],
    );
    assert.equal(code(body('ok', '1', 'x'.repeat(641))), 2300010);
    assert.equal(code({ message_id: '1', message: { text: 'Hi' } }), 100);
    assert.equal(marketingRefusal(body('anything', 'any'), undefined), undefined);
    assert.equal(recipientKey(body('tok-9')), 'tok-9');
  });

  it("the sandbox's utility templates: a PSID, a known template in its language, every placeholder filled", () => {
    const model = {
      lastInteractionAt: new Map(),
      tokens: new Map(),
      utilityTemplates: new Map([['order_update', { language: 'en_US', header: 1, body: ['order_id'] }]]),
    };
    const template = (extra: Record<string, unknown> = {}) => ({
      name: 'order_update',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'Order' }] },
        { type: 'body', parameters: [{ type: 'text', parameter_name: 'order_id', text: '1' }] },
      ],
      ...extra,
    });
    const send = (value: Record<string, unknown>, recipient: unknown = { id: 'p' }) =>
      utilityRefusal({ recipient, messaging_type: 'UTILITY', message: { template: value } }, model)?.code;
    assert.equal(send(template()), undefined);
    assert.equal(send(template({ name: 'other' })), 100);
    assert.equal(send(template({ language: { code: 'fr' } })), 100);
    assert.equal(send(template({ components: [] })), 100);
    assert.equal(send(template(), { user_ref: 'r' }), 100);
    assert.equal(utilityRefusal({ recipient: { id: 'p' }, message: { text: 'plain' } }, model), undefined);
  });
});

describe('the end of a run', () => {
  const run = (overrides: Partial<RunFacts> = {}): RunFacts => ({
    runId: 'daily@2026-11-28T08:00:00Z',
    job: 'daily',
    scheduledTime: '2026-11-28T08:00:00.000Z',
    status: 'enqueued',
    planned: 100,
    enqueued: 98,
    sent: 60,
    skipped: 2,
    failed: 38,
    openCounts: 0,
    ...overrides,
  });
  const at = (hours: number) => Date.parse('2026-11-28T08:00:00Z') + hours * 3_600_000;
  const deadlines = { overdueAfterMs: 3 * 3_600_000, endAfterMs: 24 * 3_600_000, paused: false };

  it('is complete once planning ended, every planned recipient has an outcome and no count is open', () => {
    assert.equal(isComplete(run()), true);
    assert.equal(isComplete(run({ status: 'planning' })), false, 'the planner may still add recipients');
    assert.equal(isComplete(run({ openCounts: 1 })), false, 'a sender has not added its count yet');
    assert.equal(isComplete(run({ sent: 59 })), false, 'one recipient without an outcome');
  });

  it('counts the failed share among the recipients with an outcome, and 0 for a run without any', () => {
    assert.equal(failedPercent(run()), 38);
    assert.equal(failedPercent(run({ sent: 0, skipped: 0, failed: 2, planned: 3 })), 100);
    assert.equal(failedPercent(run({ sent: 0, skipped: 0, failed: 0, planned: 0 })), 0);
    assert.equal(failedPercent(run({ sent: 2, skipped: 0, failed: 1 })), 33.33);
  });

  it('is overdue past its deadline, and ended past its end as halted, paused or expired', () => {
    const open = run({ sent: 10 });
    assert.deepEqual(watchVerdict(open, { ...deadlines, now: at(2) }), { kind: 'on-time' });
    assert.deepEqual(watchVerdict(open, { ...deadlines, now: at(4) }), { kind: 'overdue', lateMs: 3_600_000 });
    const halted = watchVerdict(run({ sent: 10, halted: 'Graph API error 190' }), { ...deadlines, now: at(24) });
    assert.deepEqual(halted, {
      kind: 'end',
      ending: 'halted',
      cause:
        'a fatal channel error: Graph API error 190; ' +
        '50 of 100 planned recipients without an outcome 24 h after the tick',
    });
    const paused = watchVerdict(open, { ...deadlines, now: at(25), paused: true });
    assert.equal(paused.kind === 'end' && paused.ending, 'expired-while-paused');
    const stuck = watchVerdict(run({ status: 'planning', sent: 10 }), { ...deadlines, now: at(30) });
    assert.deepEqual(stuck, {
      kind: 'end',
      ending: 'expired',
      cause:
        'planning never finished (see notifier ticks); 50 of 100 planned recipients without an outcome 24 h after ' +
        'the tick (see notifier dlq inspect)',
    });
  });

  it('ends a complete run as completed whatever its age (a sender died before its end): the watch ends it', () => {
    assert.deepEqual(watchVerdict(run(), { ...deadlines, now: at(30), paused: true }), {
      kind: 'end',
      ending: 'completed',
      cause: 'every planned recipient has an outcome (38 % failed)',
    });
  });

  it('describes the end in the event with the run id as its event id and the open recipients counted', () => {
    const detail = runEndedDetail(run({ sent: 10 }), {
      ending: 'halted',
      cause: 'a fatal channel error',
      endedAt: '2026-11-29T08:00:00.000Z',
    });
    assert.deepEqual(detail, {
      eventId: 'daily@2026-11-28T08:00:00Z',
      runId: 'daily@2026-11-28T08:00:00Z',
      job: 'daily',
      scheduledTime: '2026-11-28T08:00:00.000Z',
      ending: 'halted',
      cause: 'a fatal channel error',
      endedAt: '2026-11-29T08:00:00.000Z',
      counts: { planned: 100, enqueued: 98, sent: 10, skipped: 2, failed: 38, open: 50 },
      failedPercent: 76,
    });
  });

  it('tells the watch event from a tick, and refuses a watch whose end comes before its overdue deadline', () => {
    assert.equal(parsePlannerInput({ job: 'daily', scheduledTime: '2026-11-28T08:00:00Z' }).kind, 'tick');
    const watch = { watch: { jobs: { daily: { overdueAfterSeconds: 600, endAfterSeconds: 86_400 } } } };
    assert.deepEqual(parsePlannerInput(watch), { kind: 'watch', event: watch });
    assert.throws(
      () => parsePlannerInput({ watch: { jobs: { daily: { overdueAfterSeconds: 600, endAfterSeconds: 600 } } } }),
      /watch event: watch\.jobs\.daily: endAfterSeconds must be longer than overdueAfterSeconds/,
    );
    assert.throws(() => parsePlannerInput({ watch: { jobs: { 'Bad Id': {} } } }), /watch event: /);
  });
});
