#!/usr/bin/env python3
"""SIGKILL trials: is every write the server acknowledged still there after a crash, and does
the knowledge base catch up with it?

Each trial runs concurrent writers against the real binary (they report incidents and drive
some through triage -> investigation -> resolution, each resolution carrying a unique marker
word), SIGKILLs the server at a random moment, restarts it on the same data and checks:

  (a) every acknowledged report exists (by id), and no acknowledged transition is undone:
      the status is at least the last acknowledged one; an acknowledged resolution shows
      RESOLVED (or later) with its marker in the summary;
  (b) searchResolutions finds the marker of every resolution that is committed (every
      acknowledged one, and any in-flight one the database kept) within --catchup-timeout
      seconds of the restart, exactly once;
  (c) no server log shows a panic, and the restart reaches /readyz;
  (d) the number of incidents grew by the acknowledged reports plus at most one unanswered
      report per writer: no write was applied twice, none appeared from nowhere.

Every --rebuild-every'th trial deletes the index folder before the restart, so the index is
rebuilt from the database; that trial also re-checks a sample of earlier markers. After the
last trial every acknowledged write and marker of the whole run is checked once more.

Usage: kill_trials.py [--backend sqlite|postgres] [--trials N] [--binary PATH] [--seed N] ...
A trial takes 1 to 3 s with a debug build; --backend postgres needs createdb/dropdb and a
server at 127.0.0.1:5432 that lets user postgres in (each run makes its own database).
Exit status: 0 when nothing was lost; 1 on any loss, index miss, duplicate, unexplained
incident or panic; 2 when the run could not be carried out (server did not start, tools
missing).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaoslib as cl  # noqa: E402

RANK = {"NEW": 0, "TRIAGED": 1, "INVESTIGATING": 2, "MITIGATED": 3, "RESOLVED": 4,
        "CLOSED": 5}
RESOLVED_RANK = RANK["RESOLVED"]

REPORT = ("mutation($input: ReportIncidentInput!) "
          "{ reportIncident(input: $input) { id status } }")
TRIAGE = ("mutation($input: TriageIncidentInput!) "
          "{ triageIncident(input: $input) { id status } }")
INVESTIGATE = ("mutation($input: StartInvestigationInput!) "
               "{ startInvestigation(input: $input) { id status } }")
RESOLVE = ("mutation($input: ResolveIncidentInput!) "
           "{ resolveIncident(input: $input) { id status } }")

# Aliases per batched read; the server allows 30 (limits.aliases).
BATCH = 25


class Ledger:
    """What one writer saw acknowledged. Each writer owns its own, so no locking."""

    def __init__(self) -> None:
        self.rank: dict[str, int] = {}          # incident id -> last acknowledged status rank
        self.marker: dict[str, str] = {}        # incident id -> marker of the resolution sent
        self.resolved_acked: set[str] = set()   # incident ids whose resolution was acknowledged
        self.writes = 0                         # acknowledged mutations
        self.refused: list[str] = []            # answers with errors while the server was up


def writer(w: int, trial: int, port: int, tok: str, stop: threading.Event, ledger: Ledger,
           resolve_share: float, rng: random.Random) -> None:
    client = cl.Client(port, tok, timeout=10)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            try:
                status, body = client.post(REPORT, {"input": {
                    "title": f"chaos trial {trial} writer {w} number {n}",
                    "service": f"svc{w}",
                    "description": "written by the SIGKILL drill"}})
            except Exception:
                return  # the server is gone: this write is unacknowledged, not lost
            inc = cl.acknowledged(status, body, "reportIncident")
            if inc is None:
                ledger.refused.append(f"report: {status} {str(body)[:200]}")
                continue
            iid = inc["id"]
            ledger.rank[iid] = RANK[inc["status"]]
            ledger.writes += 1
            if rng.random() >= resolve_share:
                continue
            # A word no other text contains, so a search for it finds exactly this incident.
            marker = f"zqm{trial}x{w}x{n}q"
            steps = [
                ("triageIncident", TRIAGE, {"id": iid, "category": "chaos",
                                            "impact": "LOW", "urgency": "LOW"}),
                ("startInvestigation", INVESTIGATE, {"id": iid}),
                ("resolveIncident", RESOLVE, {"id": iid, "resolution": {
                    "summary": f"restarted the pool {marker}",
                    "rootCause": "connection leak", "fix": "raised the limit"}}),
            ]
            for field, query, payload in steps:
                if field == "resolveIncident":
                    # Known before sending: if the kill lands mid-request and the database
                    # kept the resolution anyway, the index must still get it.
                    ledger.marker[iid] = marker
                try:
                    status, body = client.post(query, {"input": payload})
                except Exception:
                    return
                done = cl.acknowledged(status, body, field)
                if done is None:
                    ledger.refused.append(f"{field}: {status} {str(body)[:200]}")
                    break
                ledger.rank[iid] = RANK[done["status"]]
                ledger.writes += 1
                if field == "resolveIncident":
                    ledger.resolved_acked.add(iid)
    finally:
        client.close()


def read_incidents(client: cl.Client, ids: list[str]) -> dict[str, dict | None]:
    """Status and resolution summary of each id (None when the incident does not exist)."""
    out: dict[str, dict | None] = {}
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        fields = " ".join(
            f'i{j}: incident(id: "{iid}") {{ id status resolution {{ summary }} }}'
            for j, iid in enumerate(chunk))
        data = client.ok(f"query {{ {fields} }}")
        for j, iid in enumerate(chunk):
            out[iid] = data[f"i{j}"]
    return out


def count_markers(client: cl.Client, markers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(markers), BATCH):
        chunk = markers[i:i + BATCH]
        fields = " ".join(
            f'm{j}: searchResolutions(query: "{m}", first: 1) {{ totalCount }}'
            for j, m in enumerate(chunk))
        data = client.ok(f"query {{ {fields} }}")
        for j, m in enumerate(chunk):
            out[m] = data[f"m{j}"]["totalCount"]
    return out


def check_writes(client: cl.Client, ranks: dict[str, int], markers: dict[str, str],
                 resolved_acked: set[str]) -> tuple[list[str], set[str]]:
    """(a): returns (descriptions of lost writes, ids whose resolution the database holds)."""
    found = read_incidents(client, sorted(ranks))
    lost: list[str] = []
    committed_resolutions: set[str] = set()
    for iid, want in ranks.items():
        inc = found[iid]
        if inc is None:
            lost.append(f"{iid}: acknowledged report missing")
            continue
        have = RANK.get(inc["status"], -1)
        if have < want:
            lost.append(f"{iid}: status {inc['status']} below the acknowledged "
                        f"{[k for k, v in RANK.items() if v == want][0]}")
        summary = (inc.get("resolution") or {}).get("summary") or ""
        marker = markers.get(iid)
        if iid in resolved_acked and (marker is None or marker not in summary):
            lost.append(f"{iid}: acknowledged resolution {marker} not in summary {summary!r}")
        if marker is not None and have >= RESOLVED_RANK and marker in summary:
            committed_resolutions.add(iid)
    return lost, committed_resolutions


def wait_index(client: cl.Client, markers: list[str], since: float, limit: float
               ) -> tuple[list[str], list[str], float]:
    """(b): polls until every marker is found; returns (missing, duplicated, seconds from
    `since` until the last one appeared)."""
    pending = set(markers)
    dups: set[str] = set()
    deadline = since + limit
    caught_up = 0.0
    while pending:
        counts = count_markers(client, sorted(pending))
        now = time.monotonic()
        for m, n in counts.items():
            if n >= 1:
                pending.discard(m)
                caught_up = now - since
            if n > 1:
                dups.add(m)
        if not pending or now >= deadline:
            break
        time.sleep(0.05)
    return sorted(pending), sorted(dups), caught_up


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary_pos", nargs="?", metavar="BINARY",
                    help="the hindsight binary (same as --binary)")
    ap.add_argument("--binary", type=Path, default=None)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--resolve-share", type=float, default=0.5,
                    help="share of reported incidents driven to RESOLVED")
    ap.add_argument("--kill-min", type=float, default=0.2)
    ap.add_argument("--kill-max", type=float, default=1.5)
    ap.add_argument("--rebuild-every", type=int, default=5,
                    help="delete the index folder before every Nth restart (0: never)")
    ap.add_argument("--catchup-timeout", type=float, default=60.0,
                    help="seconds from a restart's spawn until every marker must be found "
                         "(a rebuild of a large index in a debug build takes several)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the data folder and database")
    args = ap.parse_args()

    binary = Path(args.binary or args.binary_pos or cl.default_binary())
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix=f"hindsight-kill-{args.backend}-"))
    data_dir = work / "data"
    logs = work / "logs"
    logs.mkdir()
    exe = cl.private_copy(binary, work)
    env = cl.clean_env()
    db_name = None
    db_url = None
    if args.backend == "postgres":
        db_name = f"chaos_kill_{os.getpid()}_{int(time.time())}"
        db_url = cl.createdb(db_name)
    print(f"kill_trials: backend={args.backend} trials={args.trials} writers={args.writers} "
          f"seed={seed} binary={binary} work={work}" + (f" database={db_name}" if db_name else ""),
          flush=True)

    all_ranks: dict[str, int] = {}
    all_markers: dict[str, str] = {}
    all_resolved_acked: set[str] = set()
    all_committed: set[str] = set()
    acked_writes = 0
    lost_total: list[str] = []
    misses_total: list[str] = []
    dups_total: list[str] = []
    phantoms_total: list[str] = []
    incidents_before = 0
    unanswered_kept = 0   # reports in flight at the kill that the database kept
    panic_lines: list[str] = []
    refused_total: list[str] = []
    max_catchup = 0.0
    max_ready = 0.0
    trial_times: list[float] = []
    starts = 0
    failed = False

    def start() -> cl.Server:
        nonlocal starts, max_ready
        starts += 1
        srv = cl.Server(exe, data_dir, cl.free_port(), logs / f"server-{starts:05d}.log",
                        db_url, env)
        max_ready = max(max_ready, srv.wait_ready())
        return srv

    def check_log(srv: cl.Server) -> int:
        found = cl.panics(srv.log)
        panic_lines.extend(f"{srv.log.name}: {line}" for line in found)
        return len(found)

    run_started = time.monotonic()
    try:
        server = start()
        tok = cl.token(exe, data_dir, env)
        for trial in range(1, args.trials + 1):
            t0 = time.monotonic()
            stop = threading.Event()
            ledgers = [Ledger() for _ in range(args.writers)]
            threads = [threading.Thread(
                target=writer, daemon=True,
                args=(w, trial, server.port, tok, stop, ledgers[w], args.resolve_share,
                      random.Random(rng.random())))
                for w in range(args.writers)]
            for t in threads:
                t.start()
            delay = rng.uniform(args.kill_min, args.kill_max)
            time.sleep(delay)
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=30)
                if t.is_alive():
                    cl.fail("a writer did not notice the kill within 30 s")
            killed = server
            panicked = check_log(killed)

            rebuild = args.rebuild_every > 0 and trial % args.rebuild_every == 0
            if rebuild:
                shutil.rmtree(data_dir / "index", ignore_errors=True)
            restart_at = time.monotonic()
            server = start()
            client = cl.Client(server.port, tok)

            ranks: dict[str, int] = {}
            markers: dict[str, str] = {}
            resolved_acked: set[str] = set()
            writes = 0
            for led in ledgers:
                ranks.update(led.rank)
                markers.update(led.marker)
                resolved_acked |= led.resolved_acked
                writes += led.writes
                refused_total.extend(led.refused)
            acked_writes += writes
            all_ranks.update(ranks)
            all_markers.update(markers)
            all_resolved_acked |= resolved_acked

            # (b) first, so the catch-up time measures the index, not our own reads: it runs
            # from the restart's spawn until the last acknowledged marker is searchable.
            to_find = [markers[i] for i in sorted(resolved_acked)]
            if rebuild and all_committed:
                # The rebuilt index must hold earlier trials' resolutions too.
                earlier = sorted(all_markers[i] for i in all_committed)
                to_find += rng.sample(earlier, min(200, len(earlier)))
            missing, dups, catchup = wait_index(client, to_find, restart_at,
                                                args.catchup_timeout)
            # (a), which also tells which unacknowledged (in-flight) resolutions the database
            # kept: the index owes us those as well.
            lost, committed = check_writes(client, ranks, markers, resolved_acked)
            all_committed |= committed
            # (d): each writer had at most one request unanswered at the kill.
            incidents_after = client.ok("{ incidents(first: 1) { totalCount } }"
                                        )["incidents"]["totalCount"]
            extra = incidents_after - incidents_before - len(ranks)
            phantoms = []
            if extra > args.writers:
                phantoms.append(f"{incidents_after} incidents after the restart, "
                                f"{incidents_before} before the trial and {len(ranks)} "
                                f"acknowledged: {extra} unexplained with {args.writers} writers")
            incidents_before = incidents_after
            unanswered_kept += max(extra, 0)
            inflight = [markers[i] for i in sorted(committed - resolved_acked)]
            missing2, dups2, _ = wait_index(client, inflight, restart_at, args.catchup_timeout)
            missing += missing2
            dups += dups2
            client.close()
            max_catchup = max(max_catchup, catchup)
            lost_total += [f"trial {trial}: {x}" for x in lost]
            misses_total += [f"trial {trial}: {m}" for m in missing]
            dups_total += [f"trial {trial}: {m}" for m in dups]
            phantoms_total += [f"trial {trial}: {m}" for m in phantoms]
            bad = bool(lost or missing or dups or phantoms or panicked)
            failed = failed or bad
            if not bad:
                # Both logs of a failed trial stay for the reproduction; clean ones go, so
                # 1,000 trials do not fill the folder.
                killed.log.unlink(missing_ok=True)
            elapsed = time.monotonic() - t0
            trial_times.append(elapsed)
            print(f"trial {trial}/{args.trials} kill@{delay:.2f}s acked={writes} "
                  f"incidents={len(ranks)} resolutions={len(resolved_acked)}"
                  f"+{len(committed - resolved_acked)}inflight rebuild={'yes' if rebuild else 'no'} "
                  f"ready={server.ready_after:.2f}s "
                  f"catchup={catchup:.2f}s lost={len(lost)} missing={len(missing)} "
                  f"dups={len(dups)} unanswered_kept={max(extra, 0)} {elapsed:.2f}s {'FAIL' if bad else 'ok'}", flush=True)
            for x in (lost + [f"index miss {m}" for m in missing]
                      + [f"duplicate {m}" for m in dups] + phantoms):
                print(f"  trial {trial}: {x}", flush=True)

        # The whole run once more, on the last restart: nothing from an earlier trial may have
        # gone missing in a later crash or index rebuild.
        client = cl.Client(server.port, tok)
        lost, _ = check_writes(client, all_ranks, all_markers, all_resolved_acked)
        missing, dups, _ = wait_index(client, [all_markers[i] for i in sorted(all_committed)],
                                      time.monotonic(), args.catchup_timeout)
        client.close()
        lost_total += [f"final: {x}" for x in lost]
        misses_total += [f"final: {m}" for m in missing]
        dups_total += [f"final: {m}" for m in dups]
        for x in lost + missing + dups:
            print(f"  final check: {x}", flush=True)
        code = server.terminate()
        if code != 0:
            print(f"  the last server exited with {code} on SIGTERM; log {server.log}", flush=True)
            failed = True
        if check_log(server):
            failed = True
    finally:
        if db_name and not args.keep:
            cl.dropdb(db_name)

    total = time.monotonic() - run_started
    for line in panic_lines:
        print(f"  panic: {line}", flush=True)
    if refused_total:
        print(f"  {len(refused_total)} writes answered with errors while the server was up, "
              f"e.g. {refused_total[0]}", flush=True)
    per_trial = sum(trial_times) / len(trial_times) if trial_times else 0.0
    failed = failed or bool(lost_total or misses_total or dups_total or phantoms_total
                            or panic_lines)
    print(f"SUMMARY backend={args.backend} trials={args.trials} "
          f"acknowledged_writes={acked_writes} lost_writes={len(lost_total)} "
          f"index_misses={len(misses_total)} index_duplicates={len(dups_total)} "
          f"unexplained_incidents={len(phantoms_total)} "
          f"unanswered_reports_kept={unanswered_kept} "
          f"panics={len(panic_lines)} error_answers={len(refused_total)} "
          f"resolutions_checked={len(all_committed)} "
          f"max_catchup_s={max_catchup:.2f} max_ready_s={max_ready:.2f} "
          f"s_per_trial={per_trial:.2f} total_s={total:.0f} seed={seed}", flush=True)
    if failed:
        print(f"FAIL: see above; data kept in {work}", file=sys.stderr, flush=True)
        return 1
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
