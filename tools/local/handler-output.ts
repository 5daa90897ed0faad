/**
 * The bundles write their JSON log lines and EMF metrics straight to stdout, as Lambda wants. Locally that output
 * belongs elsewhere (a log file, a test's capture, nowhere): this diverts each chunk that starts a JSON line to
 * `onChunk` and leaves everything else alone. Returns the function that restores stdout.
 */
export function divertHandlerOutput(onChunk: (text: string) => void = () => undefined): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (!text.startsWith('{')) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    onChunk(text);
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}
