import { runSchedule } from './runner.js';
const seed = Number(process.argv[2]);
const r = await runSchedule(seed, { logs: true });
const { spec } = r.world;
console.log(JSON.stringify({ sender: spec.sender, queue: spec.queue, planner: spec.planner, jobs: spec.jobs.map((j) => ({ id: j.id, n: j.audience.length, rpt: j.job.recipientsPerTask, rate: j.channel.ratePerSecond, timeout: j.channel.timeoutMs, limit: j.providerLimit, lat: j.latencyMs, tails: { ...j.tails, permanent: [...j.tails.permanent] } })) }));
console.log(JSON.stringify(r.world.plan.profile));
const filter = process.argv[3] ? new RegExp(process.argv[3]) : /./;
for (const l of r.logs) if (filter.test(l)) { const o = JSON.parse(l); if (o._aws) continue; console.log(o.timestamp?.slice(11, 23), o.level, o.requestId ?? '', o.group ?? '', o.recipientId ?? '', o.message, o.reason ?? '', o.error?.message ?? '', o.delayMs ?? ''); }
for (const e of r.world.events) console.log('event', e);
for (const v of r.violations) console.log('VIOLATION', v.invariant, v.message);
