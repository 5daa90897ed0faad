/**
 * The faults of one schedule: a profile drawn from the seed (which kinds are on, and how often), the per-request
 * decisions drawn as the simulation reaches each I/O point, and targeted rules ("lose the answer of the first lease
 * acquire") that the named cases use. Every decision is counted by kind for the soak's summary.
 */
import type { DynamoAttempt, DynamoFault } from './dynamo.js';
import type { Prng } from './prng.js';
import { isWrite } from './write-labels.js';

export interface FaultProfile {
  /** Per DynamoDB write attempt: lands, then the answer is lost. */
  readonly lostAnswer: number;
  /** Per DynamoDB attempt: throttled before landing. */
  readonly throttle: number;
  /** Per DynamoDB attempt: times out before landing. */
  readonly timeout: number;
  /** Per DynamoDB attempt: answered slowly (0.2-2 s). */
  readonly slowDynamo: number;
  /** Per I/O point of an invocation: the invocation dies there. */
  readonly crash: number;
  /** At most this many crashes in the schedule, so that it can end. */
  readonly crashBudget: number;
  /** Per received message: SQS leaves it visible, and another receive gets it too. */
  readonly redelivery: number;
  /** Per received message: its visibility ends after a few seconds, while the invocation still runs. */
  readonly visibilityExpiry: number;
  /** The scheduler's tick arrives twice. */
  readonly duplicateTick: boolean;
}

export const NO_FAULTS: FaultProfile = {
  lostAnswer: 0,
  throttle: 0,
  timeout: 0,
  slowDynamo: 0,
  crash: 0,
  crashBudget: 0,
  redelivery: 0,
  visibilityExpiry: 0,
  duplicateTick: false,
};

/** Each kind is on in about half the schedules, at a rate drawn for the schedule. */
export function drawProfile(random: Prng): FaultProfile {
  const rate = (max: number) => (random.chance(0.5) ? max * random.next() : 0);
  return {
    lostAnswer: rate(0.08),
    throttle: rate(0.1),
    timeout: rate(0.05),
    slowDynamo: rate(0.05),
    crash: rate(0.01),
    crashBudget: random.int(1, 4),
    redelivery: rate(0.1),
    visibilityExpiry: rate(0.05),
    duplicateTick: random.chance(0.2),
  };
}

/** A fault forced on the `nth` (1-based) matching attempt, or on every one when `nth` is absent. */
export interface TargetedFault {
  readonly label: string | RegExp;
  readonly fault: DynamoFault;
  readonly nth?: number;
  /** Only attempts of this container kind (sender or planner). */
  readonly container?: 'sender' | 'planner';
}

/** How a schedule's I/O points meet their faults. */
export class FaultPlan {
  readonly profile: FaultProfile;
  readonly counts = new Map<string, number>();
  readonly #random: Prng;
  readonly #targets: readonly TargetedFault[];
  readonly #seen = new Map<TargetedFault, number>();
  #crashes = 0;

  constructor(profile: FaultProfile, random: Prng, targets: readonly TargetedFault[] = []) {
    this.profile = profile;
    this.#random = random;
    this.#targets = targets;
  }

  count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** The fault one DynamoDB attempt meets. */
  dynamo(attempt: DynamoAttempt, container: 'sender' | 'planner' | 'observer'): DynamoFault {
    if (container === 'observer') return 'none';
    const targeted = this.#targeted(attempt.label, container);
    if (targeted) return this.#counted(targeted, attempt.label);
    const { profile } = this;
    const random = this.#random;
    if (this.#mayCrash()) return this.#counted(random.chance(0.5) ? 'crash-before' : 'crash-after', attempt.label);
    if (isWrite(attempt.operation) && random.chance(profile.lostAnswer))
      return this.#counted('lost-answer', attempt.label);
    if (random.chance(profile.throttle)) return this.#counted('throttle', attempt.label);
    if (random.chance(profile.timeout)) return this.#counted('timeout', attempt.label);
    return 'none';
  }

  dynamoLatencyMs(): number {
    return this.#random.chance(this.profile.slowDynamo)
      ? 200 + 1_800 * this.#random.next()
      : 2 + 8 * this.#random.next();
  }

  /** A targeted failure of a non-DynamoDB call (a throttled ChangeMessageVisibility): the call throws, not landed. */
  ioFails(label: string): boolean {
    const targeted = this.#targeted(label, undefined);
    if (targeted !== 'throttle' && targeted !== 'timeout') return false;
    this.count(`${targeted}:${label}`);
    return true;
  }

  /** Whether an invocation dies at a non-DynamoDB I/O point, and whether the call lands first. */
  crashAt(label: string): 'none' | 'before' | 'after' {
    const targeted = this.#targeted(label, undefined);
    if (targeted === 'crash-before' || targeted === 'crash-after') {
      this.count(`${targeted}:${label}`);
      return targeted === 'crash-before' ? 'before' : 'after';
    }
    if (!this.#mayCrash()) return 'none';
    const where = this.#random.chance(0.5) ? 'before' : 'after';
    this.count(`crash-${where}:${label.split('.')[0]}`);
    return where;
  }

  /** What one SQS call meets: throttled before landing, or landed with its answer lost (then retried). */
  sqs(label: string): 'none' | 'lost-answer' | 'throttle' {
    if (this.#random.chance(this.profile.lostAnswer)) return this.#counted('lost-answer', label) as 'lost-answer';
    if (this.#random.chance(this.profile.throttle)) return this.#counted('throttle', label) as 'throttle';
    return 'none';
  }

  redelivered(): boolean {
    const yes = this.#random.chance(this.profile.redelivery);
    if (yes) this.count('sqs.redelivery');
    return yes;
  }

  visibilityExpires(): boolean {
    const yes = this.#random.chance(this.profile.visibilityExpiry);
    if (yes) this.count('sqs.visibility-expiry');
    return yes;
  }

  #mayCrash(): boolean {
    if (this.#crashes >= this.profile.crashBudget || !this.#random.chance(this.profile.crash)) return false;
    this.#crashes++;
    return true;
  }

  #counted(fault: DynamoFault, label: string): DynamoFault {
    if (fault !== 'none') this.count(`${label.startsWith('sqs.') ? 'sqs' : 'dynamo'}.${fault}:${label}`);
    return fault;
  }

  #targeted(label: string, container: 'sender' | 'planner' | undefined): DynamoFault | undefined {
    for (const target of this.#targets) {
      const matches = typeof target.label === 'string' ? target.label === label : target.label.test(label);
      if (!matches || (target.container && container && target.container !== container)) continue;
      const seen = (this.#seen.get(target) ?? 0) + 1;
      this.#seen.set(target, seen);
      if (target.nth === undefined || target.nth === seen) return target.fault;
    }
    return undefined;
  }
}
