#!/usr/bin/env node
// Benchmark: how long after a mutation returns does a subscriber hear of it?
//
// One `graphql-ws` client subscribes to incidentEvents; then, one at a time, SAMPLES incidents
// are reported over HTTP and the time from the HTTP answer to the REPORTED event arriving is
// recorded (a client on the same machine, so the clocks agree). Prints p50/p90/p99/max in ms
// and one JSON line. Used by bench/realtime.sh; not a test.
//
// Usage: HINDSIGHT_TOKEN=... node latency.mjs WS_URL [SAMPLES]

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const wsUrl = process.argv[2];
const samples = Number(process.argv[3] || 500);
const token = process.env.HINDSIGHT_TOKEN || '';
if (!wsUrl || !token || !(samples > 0)) {
  console.error('usage: HINDSIGHT_TOKEN=... node latency.mjs WS_URL [SAMPLES]');
  process.exit(2);
}
const httpUrl = wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '');

const waiting = new Map(); // incident id -> resolve(arrival time)
// Events that arrived before their mutation's HTTP answer was read: latency 0 (the event
// was there when the mutation returned).
const early = new Map(); // incident id -> arrival time
const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
});
let live;
const isLive = new Promise((resolve) => { live = resolve; });
client.subscribe(
  { query: 'subscription { incidentEvents { kind incident { id } } }' },
  {
    next: (msg) => {
      const at = performance.now();
      live();
      const id = msg?.data?.incidentEvents?.incident?.id;
      const resolve = waiting.get(id);
      if (resolve) { waiting.delete(id); resolve(at); } else if (id) { early.set(id, at); }
    },
    error: (e) => { console.error('subscription error', e); process.exit(1); },
    complete: () => {},
  },
);

async function report(i) {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }',
      variables: { input: { title: `latency sample ${i}`, service: 'bench' } },
    }),
  });
  const body = await res.json();
  return { id: body?.data?.reportIncident?.id, answeredAt: performance.now() };
}

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('no event within 5 s')), ms));
}

// Warm up until the subscription is live (its first event arrives).
for (let i = 0; ; i++) {
  await report(`warm-up ${i}`);
  early.clear();
  const ok = await Promise.race([isLive.then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
  if (ok) break;
  if (i > 20) { console.error('the subscription never went live'); process.exit(1); }
}

const latencies = [];
let beforeAnswer = 0;
for (let i = 0; i < samples; i++) {
  let arrived;
  const arrival = new Promise((resolve) => { arrived = resolve; });
  const { id, answeredAt } = await report(i);
  if (!id) { console.error('reportIncident failed'); process.exit(1); }
  if (early.has(id)) { early.delete(id); latencies.push(0); beforeAnswer += 1; continue; }
  waiting.set(id, arrived);
  const at = await Promise.race([arrival, timeout(5000)]);
  latencies.push(at - answeredAt);
}
await client.dispose();

latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const fmt = (x) => x.toFixed(2);
console.log(`samples ${latencies.length} (${beforeAnswer} arrived before the HTTP answer was read, counted as 0): p50 ${fmt(q(0.5))} ms, p90 ${fmt(q(0.9))} ms, p99 ${fmt(q(0.99))} ms, max ${fmt(latencies[latencies.length - 1])} ms`);
console.log(JSON.stringify({ samples: latencies.length, before_answer: beforeAnswer, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), max_ms: latencies[latencies.length - 1] }));
