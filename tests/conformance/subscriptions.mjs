#!/usr/bin/env node
// Subscriptions through the real npm `graphql-ws` client against a running hindsight server.
//
// 1. A connection with a bad token is closed with 4401.
// 2. With $HINDSIGHT_TOKEN in connectionParams, subscribes to incidentEvents, reports an
//    incident over HTTP, and waits (bounded) for its REPORTED event. The subscription goes
//    live a moment after it is sent and the client cannot tell when, so a report whose event
//    does not arrive within a second is retried with a new incident (a few times at most).
//
// Usage:
//   HINDSIGHT_TOKEN=... node subscriptions.mjs [WS_URL]
//   WS_URL defaults to $HINDSIGHT_WS_URL, then ws://127.0.0.1:8080/graphql/ws.
//
// Exit status: 0 when both checks pass, 1 otherwise, 2 on a usage error.

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const wsUrl = process.argv[2] || process.env.HINDSIGHT_WS_URL || 'ws://127.0.0.1:8080/graphql/ws';
const token = process.env.HINDSIGHT_TOKEN || '';
if (!/^wss?:\/\//.test(wsUrl)) {
  console.error(`subscriptions: not a ws(s) URL: ${wsUrl}`);
  process.exit(2);
}
if (!token) {
  console.error('subscriptions: HINDSIGHT_TOKEN is not set');
  process.exit(2);
}
const httpUrl = wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '');

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function badTokenIsRefused() {
  const closed = new Promise((resolve) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { Authorization: 'Bearer not-a-token' },
      on: { closed: (event) => resolve(event.code) },
      onNonLazyError: () => {},
    });
    void client;
  });
  const code = await withTimeout(closed, 5000, 'the refusal of a bad token');
  if (code !== 4401) fail(`a bad token closed the connection with ${code}, expected 4401`);
  console.log('ok: a bad token is refused with 4401');
}

async function report(title) {
  const res = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }',
      variables: { input: { title, service: 'conformance', description: 'subscription check' } },
    }),
    signal: AbortSignal.timeout(10000),
  });
  const body = await res.json();
  const id = body?.data?.reportIncident?.id;
  if (!id) fail(`reportIncident failed: ${JSON.stringify(body)}`);
  return id;
}

async function eventArrives() {
  const connected = [];
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { Authorization: `Bearer ${token}` },
    on: { connected: () => connected.forEach((resolve) => resolve()) },
    onNonLazyError: (e) => fail(`could not connect: ${e?.code ?? e}`),
  });
  await withTimeout(new Promise((resolve) => connected.push(resolve)), 5000, 'connection_ack');

  const seen = new Map(); // incident id -> arrival time
  const waiters = new Map(); // incident id -> resolve
  const unsubscribe = client.subscribe(
    { query: 'subscription { incidentEvents { kind incident { id } } }' },
    {
      next: (result) => {
        if (result.errors) fail(`subscription error: ${JSON.stringify(result.errors)}`);
        const event = result.data?.incidentEvents;
        if (event?.kind !== 'REPORTED') return;
        const id = event.incident?.id;
        seen.set(id, performance.now());
        waiters.get(id)?.();
      },
      error: (e) => fail(`subscription failed: ${JSON.stringify(e)}`),
      complete: () => {},
    },
  );

  for (let attempt = 1; attempt <= 5; attempt++) {
    const id = await report(`subscription check ${Date.now()} #${attempt}`);
    const returned = performance.now();
    const arrived = seen.has(id)
      ? Promise.resolve()
      : new Promise((resolve) => waiters.set(id, resolve));
    try {
      await withTimeout(arrived, 1000, 'the event');
      const ms = Math.max(0, seen.get(id) - returned);
      console.log(`ok: the REPORTED event arrived (${ms.toFixed(1)} ms after the mutation returned, attempt ${attempt})`);
      unsubscribe();
      await client.dispose();
      return;
    } catch {
      console.log(`attempt ${attempt}: no event within 1 s, the subscription may not have been live yet`);
    }
  }
  fail('no REPORTED event arrived after 5 reports');
}

await badTokenIsRefused();
await eventArrives();
process.exit(0);
