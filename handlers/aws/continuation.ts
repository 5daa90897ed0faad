import type { PlannerEvent } from '../config/planner-event.js';

type Invoker = (event: PlannerEvent) => Promise<void>;
let invoker: Promise<Invoker> | undefined;

/**
 * Hands the rest of a run to a fresh invocation of this same function (asynchronous invoke). The client is
 * imported only when a run is large enough to need it, so it adds nothing to a normal cold start.
 */
export async function continueRun(functionName: string, event: PlannerEvent): Promise<void> {
  invoker ??= import('@aws-sdk/client-lambda').then(({ LambdaClient, InvokeCommand }) => {
    const client = new LambdaClient({});
    return async (payload: PlannerEvent) => {
      const response = await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      if (response.StatusCode !== 202)
        throw new Error(`continuation invoke of ${functionName} answered ${response.StatusCode}`);
    };
  });
  await (await invoker)(event);
}
