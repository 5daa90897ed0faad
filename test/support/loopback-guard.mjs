// Preloaded (NODE_OPTIONS=--import) into every Node process of a local run under test: the CLI, its sender processes
// and its fauxqs process. Records each outbound TCP connection and DNS lookup as a JSON line in $LOOPBACK_GUARD_LOG
// (pid, host, port, the address it reached) and refuses any to a host that is not loopback, so that a run which
// would reach the internet fails the test instead of reaching it.

import dns from 'node:dns';
import { appendFileSync } from 'node:fs';
import net from 'node:net';

const logFile = process.env.LOOPBACK_GUARD_LOG;
const record = (entry) => {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
};
const loopback = (host) =>
  host === 'localhost' || host === '::1' || /^(?:::ffff:)?127(?:\.\d{1,3}){3}$/.test(String(host));

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  // net.connect passes its normalized arguments as one array; a caller may pass (options), (port, host) or (path).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options =
    first && typeof first === 'object'
      ? first
      : typeof first === 'string'
        ? { path: first }
        : { port: first, host: args[1] };
  // A pipe or Unix socket, as net.Socket#connect decides it (HTTP agents pass path: null with a host and port).
  if (options.path) return connect.apply(this, args);
  const host = typeof options.host === 'string' && options.host !== '' ? options.host : 'localhost';
  if (!loopback(host)) {
    record({ host, port: options.port, refused: true });
    const error = new Error(`loopback guard: a connection to ${host}:${options.port} was refused`);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  this.once('connect', () => record({ host, port: options.port, remoteAddress: this.remoteAddress }));
  return connect.apply(this, args);
};

const lookup = dns.lookup;
// An address literal asks no resolver (fauxqs's server looks up "0.0.0.0" to listen on it); a name must be loopback.
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (loopback(hostname) || net.isIP(hostname)) return lookup.call(this, hostname, ...rest);
  record({ lookup: hostname, refused: true });
  const callback = rest.at(-1);
  const error = Object.assign(new Error(`loopback guard: a lookup of ${hostname} was refused`), { code: 'ENOTFOUND' });
  if (typeof callback === 'function') process.nextTick(() => callback(error));
  return {};
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromisesLookup(hostname, ...rest) {
  if (loopback(hostname) || net.isIP(hostname)) return promisesLookup.call(this, hostname, ...rest);
  record({ lookup: hostname, refused: true });
  throw Object.assign(new Error(`loopback guard: a lookup of ${hostname} was refused`), { code: 'ENOTFOUND' });
};
record({ guard: 'loaded', argv: process.argv.slice(1, 3) });
