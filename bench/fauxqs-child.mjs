// fauxqs in a process of its own, for the planner bench. With a latency argument it listens behind a TCP proxy that
// holds every answer back that many milliseconds, as the network between a Lambda function and SQS does; the
// address printed is the one to use.
// Usage (from bench/planner.ts): node bench/fauxqs-child.mjs <latency ms>
import { connect, createServer } from 'node:net';
import { startFauxqs } from 'fauxqs';

const latencyMs = Number(process.argv[2] ?? 0);
const server = await startFauxqs({ port: 0, logger: false });
if (!(latencyMs > 0)) {
  console.log(server.address);
} else {
  const target = new URL(server.address);
  const proxy = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (data) => upstream.write(data));
    // Equal delays keep the answers in order.
    upstream.on('data', (data) => setTimeout(() => client.writable && client.write(data), latencyMs));
    const close = () =>
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, latencyMs);
    for (const socket of [client, upstream]) socket.on('error', close).on('close', close);
  });
  proxy.listen(0, '127.0.0.1', () => {
    const address = proxy.address();
    console.log(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  });
}
