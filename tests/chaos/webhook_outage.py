#!/usr/bin/env python3
"""Webhook receiver outage drill: does every event reach the receiver, or end FAILED after the
maximum age, with none lost or stuck, across server restarts during the outage?

A webhook points at a local receiver (http.server in a thread) that is down (nothing listens
on its port, so every attempt is refused) while about --events timeline events are produced
(reports, triage, investigation, resolution, by concurrent writers). During the outage the
server is restarted twice: once with SIGTERM (graceful) and once with SIGKILL while the
writers are busy. The server runs with a short maximum age (--max-age, 90 s) and short retries
(base 200 ms, max 2 s).

  recover: the receiver comes back --outage seconds after the outage began (before the
           maximum age). Every delivery must end DELIVERED, the receiver must have received
           every event at least once (duplicates are counted: at-least-once allows them),
           with a valid signature, each incident's events first received in timeline order.
  expire:  the receiver stays down past the maximum age. Every delivery must end FAILED, its
           last attempt at or after its event's time plus the maximum age, none PENDING; the
           receiver then comes up for a few seconds and must receive nothing.

Both: the events the server produced (every incident's timeline) and its deliveries must
match one to one, and every acknowledged write must be in a timeline.

Usage: webhook_outage.py [--variant recover|expire|both] [--backend sqlite|postgres]
                         [--binary PATH] [--events N] [--max-age S] [--outage S]
Both variants take about 3 minutes with the defaults (1,000 events, 90 s maximum age).
Exit status: 0 when every check held; 1 on any violation; 2 when the drill could not be
carried out as designed (server did not start, production outlasted its budget, ...).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.server
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaoslib as cl  # noqa: E402

SECRET = "chaos-receiver-secret-0123456789"

CREATE = ("mutation($input: CreateWebhookInput!) "
          "{ createWebhook(input: $input) { webhook { id url } } }")
REPORT = ("mutation($input: ReportIncidentInput!) "
          "{ reportIncident(input: $input) { id } }")
STEPS = [
    ("triageIncident", "TRIAGED",
     "mutation($input: TriageIncidentInput!) { triageIncident(input: $input) { id } }",
     lambda iid: {"id": iid, "category": "net", "impact": "HIGH", "urgency": "LOW"}),
    ("startInvestigation", "INVESTIGATION_STARTED",
     "mutation($input: StartInvestigationInput!) { startInvestigation(input: $input) { id } }",
     lambda iid: {"id": iid}),
    ("resolveIncident", "RESOLVED",
     "mutation($input: ResolveIncidentInput!) { resolveIncident(input: $input) { id } }",
     lambda iid: {"id": iid, "resolution": {"summary": "rolled back"}}),
]
# The drill's incidents have 1 to 4 events. Pages of 10 x 10 stay under the server's
# complexity limit (2,000: a list counts `first` times its fields); 20 x 20 does not.
TIMELINE_PAGE = 10
INCIDENTS = ("query($after: String) { incidents(first: 10, after: $after, orderBy: OLDEST_FIRST) "
             "{ pageInfo { hasNextPage endCursor } edges { node { id "
             f"timeline(first: {TIMELINE_PAGE}) {{ totalCount edges {{ node {{ id kind at }} }} }} "
             "} } } }")
DELIVERIES = ("query($id: ID!, $after: String) { webhookDeliveries(webhookId: $id, first: 100, "
              "after: $after) { pageInfo { hasNextPage endCursor } edges { node { id incidentId "
              "eventId eventKind state attempts lastStatusCode lastError createdAt lastAttemptAt "
              "nextAttemptAt deliveredAt } } } }")


# ---------------------------------------------------------------- the receiver

class Receiver:
    """Records every POST: delivery id (header), event id (body), signature validity."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.log: list[dict] = []
        self.server: http.server.ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ts = self.headers.get("X-Hindsight-Timestamp", "")
                sig = self.headers.get("X-Hindsight-Signature", "")
                want = "v1=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body,
                                        hashlib.sha256).hexdigest()
                try:
                    event_id = str(json.loads(body)["event"]["id"])
                except (ValueError, KeyError, TypeError):
                    event_id = None
                with receiver.lock:
                    receiver.log.append({
                        "delivery": self.headers.get("X-Hindsight-Delivery"),
                        "kind": self.headers.get("X-Hindsight-Event"),
                        "event": event_id,
                        "signed": hmac.compare_digest(sig, want),
                        "at": time.monotonic(),
                    })
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.log)


# ---------------------------------------------------------------- producing events

class Production:
    """Writers share the count of acknowledged events and the list of them."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.lock = threading.Lock()
        self.acked: list[tuple[str, str]] = []   # (incident id, event kind) acknowledged
        self.unknown = 0                          # requests the server never answered
        self.refused: list[str] = []              # answered with errors

    def count(self) -> int:
        with self.lock:
            return len(self.acked)

    def done(self) -> bool:
        return self.count() >= self.target


def producer(w: int, port: int, tok: str, prod: Production, rng: random.Random,
             deadline: float) -> None:
    """Reports incidents and takes most of them to RESOLVED. A request the server did not
    answer (it was being restarted) has an unknown outcome: the writer waits for the server
    and carries on with a new incident, so it never repeats a transition blindly."""
    client = cl.Client(port, tok, timeout=10)
    n = 0
    while not prod.done() and time.monotonic() < deadline:
        n += 1
        try:
            status, body = client.post(REPORT, {"input": {
                "title": f"outage drill writer {w} number {n}", "service": f"svc{w}"}})
        except Exception:
            with prod.lock:
                prod.unknown += 1
            time.sleep(0.05)
            continue
        inc = cl.acknowledged(status, body, "reportIncident")
        if inc is None:
            with prod.lock:
                prod.refused.append(f"report: {status} {str(body)[:200]}")
            continue
        iid = inc["id"]
        with prod.lock:
            prod.acked.append((iid, "REPORTED"))
        # A mix of depths, so incidents end with 1 to 4 events.
        depth = rng.choice([0, 1, 2, 3, 3, 3])
        for field, kind, query, payload in STEPS[:depth]:
            try:
                status, body = client.post(query, {"input": payload(iid)})
            except Exception:
                with prod.lock:
                    prod.unknown += 1
                time.sleep(0.05)
                break
            if cl.acknowledged(status, body, field) is None:
                with prod.lock:
                    prod.refused.append(f"{field}: {status} {str(body)[:200]}")
                break
            with prod.lock:
                prod.acked.append((iid, kind))
    client.close()


# ---------------------------------------------------------------- reading the server's view

def timelines(client: cl.Client) -> dict[str, list[dict]]:
    """incident id -> its timeline events, oldest first."""
    out: dict[str, list[dict]] = {}
    after = None
    while True:
        data = client.ok(INCIDENTS, {"after": after})["incidents"]
        for edge in data["edges"]:
            node = edge["node"]
            tl = node["timeline"]
            if tl["totalCount"] > len(tl["edges"]):
                cl.fail(f"incident {node['id']} has {tl['totalCount']} events; the drill reads "
                        f"{TIMELINE_PAGE}")
            out[node["id"]] = [e["node"] for e in tl["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return out
        after = data["pageInfo"]["endCursor"]


def deliveries(client: cl.Client, webhook: str) -> list[dict]:
    out: list[dict] = []
    after = None
    while True:
        data = client.ok(DELIVERIES, {"id": webhook, "after": after})["webhookDeliveries"]
        out += [e["node"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return out
        after = data["pageInfo"]["endCursor"]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


# ---------------------------------------------------------------- the drill

def run_variant(variant: str, exe: Path, args: argparse.Namespace, work: Path) -> bool:
    t_start = time.monotonic()
    data_dir = work / f"data-{variant}"
    logs = work / f"logs-{variant}"
    logs.mkdir()
    env = cl.clean_env()
    env.update({
        "HINDSIGHT_WEBHOOKS__ALLOWED_NETWORKS": "127.0.0.0/8",
        "HINDSIGHT_WEBHOOKS__MAX_AGE_SECONDS": str(args.max_age),
        "HINDSIGHT_WEBHOOKS__RETRY_BASE_MS": "200",
        "HINDSIGHT_WEBHOOKS__RETRY_MAX_MS": "2000",
        "HINDSIGHT_WEBHOOKS__POLL_INTERVAL_MS": "200",
        "HINDSIGHT_WEBHOOKS__TIMEOUT_MS": "2000",
    })
    db_name = db_url = None
    if args.backend == "postgres":
        db_name = f"chaos_hook_{variant}_{os.getpid()}_{int(time.time())}"
        db_url = cl.createdb(db_name)
    port = cl.free_port()
    receiver = Receiver(cl.free_port())  # chosen now, not listening: the outage
    servers: list[cl.Server] = []
    violations: list[str] = []

    def start() -> cl.Server:
        srv = cl.Server(exe, data_dir, port, logs / f"server-{len(servers) + 1}.log", db_url, env)
        servers.append(srv)
        srv.wait_ready()
        return srv

    try:
        server = start()
        tok = cl.token(exe, data_dir, env)
        admin = cl.Client(port, tok)
        hook = admin.ok(CREATE, {"input": {
            "url": f"http://127.0.0.1:{receiver.port}/hook", "events": [],
            "secret": SECRET, "format": "JSON"}})["createWebhook"]["webhook"]["id"]
        # The reads the checks rely on, once now: a query the server refuses should stop the
        # drill here, not after minutes of outage.
        timelines(admin)
        deliveries(admin, hook)
        admin.close()

        # ---- the outage: produce events, restart twice
        outage_began = time.monotonic()
        prod = Production(args.events)
        budget = outage_began + args.produce_budget
        rng = random.Random(args.seed)
        writers = [threading.Thread(target=producer, daemon=True,
                                    args=(w, port, tok, prod, random.Random(rng.random()), budget))
                   for w in range(args.writers)]
        for t in writers:
            t.start()
        restarts = []
        for fraction, how in ((1 / 3, "SIGTERM"), (2 / 3, "SIGKILL")):
            while prod.count() < args.events * fraction:
                if time.monotonic() > budget:
                    cl.fail(f"{variant}: only {prod.count()} events in {args.produce_budget} s")
                time.sleep(0.01)
            if how == "SIGTERM":
                code = server.terminate()
                if code != 0:
                    violations.append(f"the server exited with {code} on SIGTERM")
            else:
                server.kill()
            at = prod.count()
            server = start()
            restarts.append(f"{how}@{at}")
        for t in writers:
            t.join(timeout=max(1.0, budget - time.monotonic() + 15))
        if not prod.done():
            cl.fail(f"{variant}: only {prod.count()} of {args.events} events within the budget")
        produced_s = time.monotonic() - outage_began

        client = cl.Client(port, tok)
        if variant == "recover":
            # The receiver returns before the oldest event's maximum age, with room to spare
            # for the retries already scheduled (at most retry_max apart) and the backlog.
            back_at = outage_began + args.outage
            if time.monotonic() > back_at:
                cl.fail(f"recover: production took {produced_s:.0f} s, longer than the "
                        f"{args.outage} s outage; raise --outage (below --max-age)")
            time.sleep(max(0.0, back_at - time.monotonic()))
            receiver.start()
            back_after = time.monotonic() - outage_began

        # ---- wait until no delivery is PENDING (bounded: the last event's age plus a margin)
        limit = time.monotonic() + args.max_age + args.settle
        while True:
            ds = deliveries(client, hook)
            pending = [d for d in ds if d["state"] == "PENDING"]
            if not pending or time.monotonic() > limit:
                break
            time.sleep(1.0)
        settled_s = time.monotonic() - outage_began
        if variant == "recover":
            time.sleep(3.0)  # let any late duplicate arrive before counting
        else:
            # Given up means given up: nothing may arrive once the receiver is back.
            receiver.start()
            time.sleep(args.after_failed)
        ds = deliveries(client, hook)
        tls = timelines(client)
        client.close()
        received = receiver.received()
        receiver.stop()

        # ---- checks common to both variants
        events = {e["id"]: (iid, e) for iid, tl in tls.items() for e in tl}
        by_event: dict[str, list[dict]] = {}
        for d in ds:
            by_event.setdefault(d["eventId"], []).append(d)
        for eid, (iid, e) in events.items():
            n = len(by_event.get(eid, []))
            if n != 1:
                violations.append(f"event {eid} ({e['kind']} of {iid}) has {n} deliveries")
        for eid in by_event.keys() - events.keys():
            violations.append(f"delivery for event {eid}, which no timeline shows")
        kinds_seen = {(iid, e["kind"]) for iid, e in events.values()}
        for iid, kind in prod.acked:
            if (iid, kind) not in kinds_seen:
                violations.append(f"acknowledged {kind} of {iid} is not in its timeline")
        states: dict[str, int] = {}
        for d in ds:
            states[d["state"]] = states.get(d["state"], 0) + 1
        still_pending = [d for d in ds if d["state"] == "PENDING"]
        for d in still_pending[:10]:
            violations.append(f"delivery {d['id']} still PENDING after the bound: {d}")
        if len(still_pending) > 10:
            violations.append(f"... {len(still_pending)} PENDING in all")

        first_seen: dict[str, float] = {}
        dup = 0
        for r in received:
            if r["delivery"] in first_seen:
                dup += 1
            else:
                first_seen[r["delivery"]] = r["at"]
        bad_sig = [r for r in received if not r["signed"]]
        delivery_event = {d["id"]: d["eventId"] for d in ds}
        mismatched = [r for r in received
                      if r["delivery"] not in delivery_event
                      or delivery_event[r["delivery"]] != r["event"]]
        attempts = [d["attempts"] for d in ds]

        if variant == "recover":
            not_delivered = [d for d in ds if d["state"] != "DELIVERED"]
            for d in not_delivered[:10]:
                violations.append(f"delivery {d['id']} ended {d['state']}: {d['lastError']}")
            if len(not_delivered) > 10:
                violations.append(f"... {len(not_delivered)} not DELIVERED in all")
            got_events = {r["event"] for r in received}
            never = sorted(events.keys() - got_events, key=lambda x: (len(x), x))
            for eid in never[:10]:
                violations.append(f"event {eid} ({events[eid][1]['kind']}) never received")
            if len(never) > 10:
                violations.append(f"... {len(never)} events never received in all")
            for r in bad_sig[:5]:
                violations.append(f"bad signature on delivery {r['delivery']}")
            for r in mismatched[:5]:
                violations.append(f"received delivery {r['delivery']} with event {r['event']}, "
                                  f"which the server lists as {delivery_event.get(r['delivery'])}")
            # In order per incident: the first arrival of each event follows the timeline.
            first_by_event = {}
            for r in received:
                first_by_event.setdefault(r["event"], r["at"])
            out_of_order = 0
            for iid, tl in tls.items():
                arrivals = [first_by_event.get(e["id"]) for e in tl]
                if None not in arrivals and arrivals != sorted(arrivals):
                    out_of_order += 1
                    if out_of_order <= 5:
                        violations.append(f"incident {iid}: events first received out of order")
            line = (f"RESULT variant=recover backend={args.backend} events={len(events)} "
                    f"deliveries={len(ds)} states={json.dumps(states, sort_keys=True)} "
                    f"received={len(received)} distinct={len(first_seen)} duplicates={dup} "
                    f"never_received={len(never)} bad_signatures={len(bad_sig)} "
                    f"out_of_order_incidents={out_of_order} restarts={','.join(restarts)} "
                    f"acked_events={len(prod.acked)} unanswered_requests={prod.unknown} "
                    f"attempts_max={max(attempts, default=0)} "
                    f"attempts_total={sum(attempts)} produced_s={produced_s:.1f} "
                    f"receiver_back_s={back_after:.1f} settled_s={settled_s:.1f}")
        else:
            late_start = []
            not_failed = [d for d in ds if d["state"] != "FAILED"]
            for d in not_failed[:10]:
                violations.append(f"delivery {d['id']} ended {d['state']}, not FAILED")
            if len(not_failed) > 10:
                violations.append(f"... {len(not_failed)} not FAILED in all")
            lateness = []
            for d in ds:
                if d["state"] != "FAILED":
                    continue
                due = ts(d["createdAt"]) + timedelta(seconds=args.max_age)
                last = ts(d["lastAttemptAt"]) if d["lastAttemptAt"] else None
                if last is None or last < due:
                    late_start.append(d)
                    violations.append(f"delivery {d['id']} FAILED before its maximum age: "
                                      f"created {d['createdAt']}, last attempt {d['lastAttemptAt']}")
                else:
                    lateness.append((last - due).total_seconds())
            if received:
                violations.append(f"the receiver got {len(received)} requests after every "
                                  f"delivery had FAILED")
            line = (f"RESULT variant=expire backend={args.backend} events={len(events)} "
                    f"deliveries={len(ds)} states={json.dumps(states, sort_keys=True)} "
                    f"failed_early={len(late_start)} "
                    f"received_after_failed={len(received)} restarts={','.join(restarts)} "
                    f"acked_events={len(prod.acked)} unanswered_requests={prod.unknown} "
                    f"attempts_max={max(attempts, default=0)} attempts_total={sum(attempts)} "
                    f"failed_after_age_s_max={max(lateness, default=0):.1f} "
                    f"produced_s={produced_s:.1f} settled_s={settled_s:.1f}")

        server.terminate()
        for srv in servers:
            for p in cl.panics(srv.log):
                violations.append(f"panic in {srv.log.name}: {p}")
        if prod.refused:
            print(f"  {len(prod.refused)} writes answered with errors, e.g. {prod.refused[0]}",
                  flush=True)
        for v in violations[:40]:
            print(f"  VIOLATION ({variant}): {v}", flush=True)
        if len(violations) > 40:
            print(f"  ... {len(violations)} violations in all", flush=True)
        print(f"{line} violations={len(violations)} duration_s={time.monotonic() - t_start:.0f}",
              flush=True)
        return not violations
    finally:
        receiver.stop()
        for srv in servers:
            if srv.proc.poll() is None:
                srv.kill()
        if db_name and not args.keep:
            cl.dropdb(db_name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary_pos", nargs="?", metavar="BINARY")
    ap.add_argument("--binary", type=Path, default=None)
    ap.add_argument("--variant", choices=["recover", "expire", "both"], default="both")
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--max-age", type=int, default=90, help="webhooks.max_age_seconds")
    ap.add_argument("--outage", type=float, default=45.0,
                    help="recover: seconds from the outage's start until the receiver is back")
    ap.add_argument("--produce-budget", type=float, default=40.0,
                    help="seconds allowed to produce the events (restarts included)")
    ap.add_argument("--settle", type=float, default=60.0,
                    help="margin beyond the maximum age to wait for no PENDING delivery")
    ap.add_argument("--after-failed", type=float, default=5.0,
                    help="expire: seconds the receiver listens after everything FAILED")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.variant in ("recover", "both") and args.outage > args.max_age - 15:
        cl.fail("--outage must end at least 15 s before --max-age, or recover cannot hold")
    if args.produce_budget >= args.outage and args.variant in ("recover", "both"):
        cl.fail("--produce-budget must be shorter than --outage")

    binary = Path(args.binary or args.binary_pos or cl.default_binary())
    work = Path(tempfile.mkdtemp(prefix="hindsight-webhook-outage-"))
    exe = cl.private_copy(binary, work)
    print(f"webhook_outage: variant={args.variant} backend={args.backend} events={args.events} "
          f"max_age={args.max_age}s binary={binary} work={work}", flush=True)
    ok = True
    for variant in (["recover", "expire"] if args.variant == "both" else [args.variant]):
        ok = run_variant(variant, exe, args, work) and ok
    if not ok:
        print(f"FAIL: see the violations above; data kept in {work}", file=sys.stderr, flush=True)
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
