/**
 * DynamoDB for the explorer: dynalite's in-memory store, called in-process through the SDK's request handler (no
 * socket), so the ledger's real commands, conditions and update expressions are evaluated by a real emulator. The
 * handler sits below the SDK's retry middleware: a fault injected here is seen by the SDK as a network or service
 * error, and its retries (maxAttempts 5, as handlers/aws/dynamo.ts) send the same request again, as in Lambda.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTables } from '../../../tools/local/tables.js';
import type { VirtualClock } from './clock.js';

/** What one attempt of a DynamoDB request meets. */
export type DynamoFault =
  | 'none'
  /** The write lands, then the client sees a timeout: the SDK retries the request that already landed. */
  | 'lost-answer'
  /** Answered ProvisionedThroughputExceededException before landing: the SDK backs off and retries. */
  | 'throttle'
  /** The connection times out before the request reaches the table. */
  | 'timeout'
  /** The invocation dies with the request on its way, before it lands. */
  | 'crash-before'
  /** The invocation dies right after the request landed, before it reads the answer. */
  | 'crash-after';

/** One attempt, as the fault plan sees it. */
export interface DynamoAttempt {
  readonly operation: string;
  /** Which ledger step this is (write-labels.ts). */
  readonly label: string;
  readonly input: Record<string, unknown>;
}

/** Where a container's DynamoDB attempts go: the decision, the latency, and the death of the container. */
export interface DynamoGate {
  decide(attempt: DynamoAttempt): DynamoFault;
  latencyMs(attempt: DynamoAttempt): number;
  /** The container is dead: its requests go nowhere and never answer. */
  dead(): boolean;
  kill(reason: string): void;
}

export const LEDGER_TABLE = 'sim-ledger';
export const CONFIG_TABLE = 'sim-config';

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const never = <T>() => new Promise<T>(() => undefined);
const timeoutError = (message: string) => Object.assign(new Error(message), { name: 'TimeoutError' });

/** One dynalite store, answering requests given as the SDK serialized them. */
export class DynamoStore {
  readonly #listener: RequestListener;
  readonly #clock: VirtualClock;

  private constructor(listener: RequestListener, clock: VirtualClock) {
    this.#listener = listener;
    this.#clock = clock;
  }

  /** A fresh store with the module's tables; call before the clock is installed (table creation uses real timers). */
  static async create(clock: VirtualClock, labelOf: (operation: string, input: Record<string, unknown>) => string) {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const store = new DynamoStore(server.listeners('request')[0] as RequestListener, clock);
    await createTables(store.client(openGate(), labelOf), { config: CONFIG_TABLE, ledger: LEDGER_TABLE });
    // dynalite turns a table ACTIVE on a (real) timer after CreateTable answers.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return store;
  }

  /** Answers one request, as dynalite's HTTP server would; counted as real work the clock waits for. */
  answer(headers: Record<string, string>, body: string): Promise<RawAnswer> {
    return this.#clock.track(
      new Promise<RawAnswer>((resolve) => {
        const request = Object.assign(new EventEmitter(), {
          headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
          method: 'POST',
          url: '/',
        });
        const answerHeaders: Record<string, string> = {};
        const response = {
          statusCode: 200,
          setHeader: (name: string, value: unknown) => {
            answerHeaders[name.toLowerCase()] = String(value);
          },
          end: (text?: string) => resolve({ status: response.statusCode, headers: answerHeaders, body: text ?? '' }),
        };
        this.#listener(request as unknown as IncomingMessage, response as unknown as ServerResponse);
        request.emit('data', Buffer.from(body));
        request.emit('end');
      }),
    );
  }

  /** A client of one container: every attempt passes its gate. */
  client(gate: DynamoGate, labelOf: (operation: string, input: Record<string, unknown>) => string): DynamoDBClient {
    return new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://dynamodb.sim',
      credentials: { accessKeyId: 'sim', secretAccessKey: 'sim' },
      maxAttempts: 5,
      requestHandler: {
        handle: (request: { headers: Record<string, string>; body?: unknown }) =>
          this.#attempt(gate, labelOf, request.headers, decodeBody(request.body)),
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
      } as never,
    });
  }

  async #attempt(
    gate: DynamoGate,
    labelOf: (operation: string, input: Record<string, unknown>) => string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }> {
    if (gate.dead()) return never();
    const target = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-amz-target')?.[1] ?? '';
    const operation = target.split('.')[1] ?? '';
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    const attempt = { operation, label: labelOf(operation, input), input };
    const fault = gate.decide(attempt);
    const half = gate.latencyMs(attempt) / 2;
    if (fault === 'crash-before') return this.#die(gate, attempt);
    await this.#sleep(half);
    if (gate.dead()) return never();
    if (fault === 'throttle') return respond(throttled());
    if (fault === 'timeout') throw timeoutError('the connection to DynamoDB timed out (injected, not landed)');
    const answer = await this.answer(headers, body);
    if (fault === 'crash-after') return this.#die(gate, attempt);
    await this.#sleep(half);
    if (gate.dead()) return never();
    if (fault === 'lost-answer') throw timeoutError('the answer from DynamoDB was lost (injected, landed)');
    return respond(answer);
  }

  #die(gate: DynamoGate, attempt: DynamoAttempt): Promise<never> {
    gate.kill(`crash at DynamoDB ${attempt.label}`);
    return never();
  }

  #sleep(ms: number): Promise<void> {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}

function throttled(): RawAnswer {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
      message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
    }),
  };
}

function respond(answer: RawAnswer) {
  return {
    response: { statusCode: answer.status, headers: answer.headers, body: new TextEncoder().encode(answer.body) },
  };
}

/** A gate that lets everything through: the observer's and the setup's. */
export function openGate(): DynamoGate {
  return { decide: () => 'none', latencyMs: () => 0, dead: () => false, kill: () => undefined };
}

const decodeBody = (body: unknown) =>
  body instanceof Uint8Array ? new TextDecoder().decode(body) : typeof body === 'string' ? body : '';
