#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit for a running hindsight server.
//
// Runs every server audit of graphql-http (13 MUST, 23 SHOULD, 25 MAY) against
// the /graphql endpoint, adding `Authorization: Bearer $HINDSIGHT_TOKEN` to each
// request, and prints each result grouped by requirement level.
//
// Usage:
//   HINDSIGHT_TOKEN=... node audit.mjs [URL]
//   URL defaults to $HINDSIGHT_URL, then http://127.0.0.1:8080/graphql.
//
// Exit status: 0 when every MUST passes and at least $MIN_SHOULD_PASS (default 20)
// SHOULD audits pass; 1 otherwise; 2 on a usage error.

import { serverAudits } from 'graphql-http';

const url = process.argv[2] || process.env.HINDSIGHT_URL || 'http://127.0.0.1:8080/graphql';
const token = process.env.HINDSIGHT_TOKEN || '';
const minShouldPass = Number(process.env.MIN_SHOULD_PASS || 20);
const timeoutMs = Number(process.env.AUDIT_TIMEOUT_MS || 10000);

if (!/^https?:\/\//.test(url)) {
  console.error(`audit: not an http(s) URL: ${url}`);
  process.exit(2);
}
if (!token) {
  console.error('audit: HINDSIGHT_TOKEN is not set; every request will be unauthenticated');
}

/** fetch that adds the bearer token (unless the audit set its own) and a timeout. */
async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers || {});
  if (token && !headers.has('authorization')) {
    headers.set('authorization', `Bearer ${token}`);
  }
  return fetch(input, {
    ...init,
    headers,
    signal: init.signal || AbortSignal.timeout(timeoutMs),
  });
}

/** A short description of the response an audit failed on, for the log. */
async function describe(res) {
  if (!res) return '';
  let body = '';
  try {
    body = await res.clone().text();
  } catch {
    body = '(body already read)';
  }
  if (body.length > 300) body = `${body.slice(0, 300)}...`;
  const ct = res.headers.get('content-type') || '(none)';
  return `HTTP ${res.status}, content-type: ${ct}, body: ${body}`;
}

const levels = ['MUST', 'SHOULD', 'MAY'];
const results = { MUST: [], SHOULD: [], MAY: [] };

console.log(`GraphQL-over-HTTP audit of ${url}`);

// One at a time: keeps the output order stable and the server load trivial.
for (const audit of serverAudits({ url, fetchFn })) {
  const level = audit.name.split(' ')[0];
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws only on fatal errors (e.g. connection refused).
    result = {
      id: audit.id,
      name: audit.name,
      status: level === 'MUST' ? 'error' : level === 'SHOULD' ? 'warn' : 'notice',
      reason: `fatal: ${err?.cause?.message || err?.message || err}`,
    };
  }
  if (result.status !== 'ok') {
    result.detail = await describe(result.response);
  }
  results[level].push(result);
}

for (const level of levels) {
  const list = results[level];
  const passed = list.filter((r) => r.status === 'ok').length;
  console.log(`\n== ${level} (${passed}/${list.length} ok) ==`);
  for (const r of list) {
    const status = r.status === 'ok' ? 'ok' : r.status === 'error' ? 'ERROR' : r.status;
    console.log(`  [${status.padEnd(6)}] ${r.id} ${r.name}`);
    if (r.status !== 'ok') {
      console.log(`           reason: ${r.reason}`);
      if (r.detail) console.log(`           response: ${r.detail}`);
    }
  }
}

const count = (level) => results[level].filter((r) => r.status === 'ok').length;
const mustOk = count('MUST');
const shouldOk = count('SHOULD');
const mayOk = count('MAY');
const mustTotal = results.MUST.length;
const shouldTotal = results.SHOULD.length;
const mayTotal = results.MAY.length;

console.log(
  `\nsummary: MUST ${mustOk}/${mustTotal} ok, SHOULD ${shouldOk}/${shouldTotal} ok, ` +
    `MAY ${mayOk}/${mayTotal} ok; ` +
    `${mustTotal - mustOk} error, ${shouldTotal - shouldOk} warn, ${mayTotal - mayOk} notice`,
);

const failures = [];
if (mustOk < mustTotal) failures.push(`${mustTotal - mustOk} MUST audit(s) failed`);
if (shouldOk < minShouldPass) failures.push(`only ${shouldOk} SHOULD audits passed (need ${minShouldPass})`);
if (failures.length) {
  console.log(`audit: FAIL: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('audit: PASS');
