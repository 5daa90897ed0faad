/** What the handlers read of Lambda's invocation context: both Lambdas pass it to their workflow. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
  readonly functionName?: string;
}
