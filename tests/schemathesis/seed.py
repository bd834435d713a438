"""Creates real records through the API so schemathesis's ID arguments can name them.

Without real ids every mutation that takes one stops at NOT_FOUND, and the fuzzer never
reaches the code behind it (issue 14 §5). This reports incidents and moves them through
every status, assigns a role, posts a note and an update, registers a webhook, signs other
users in, then writes what it made as JSON for hooks.py:

    {"incidents": [{"id", "number", "status"}], "users": [...], "webhooks": [...],
     "events": [{"incident", "id"}], "cursors": {"Query.incidents": [...], ...}}

Usage (run.sh calls it):
    HINDSIGHT_TOKEN=<admin token> [HINDSIGHT_SEED_TOKENS="<token> <token>"] \
        python3 seed.py http://HOST:PORT/graphql OUT.json

HINDSIGHT_SEED_TOKENS are tokens of other people: each signs in once (`viewer`), so that
`users` lists them and role assignments have someone to name. A webhook is registered only
if the server accepts its loopback URL (`webhooks.allowed_networks` covering 127.0.0.1, as
ci.sh starts it); otherwise the run goes on without one.
"""

import json
import os
import sys
import urllib.error
import urllib.request

# Port 9 (discard) is closed here: deliveries fail fast and are retried, as to a receiver
# that is down, without anything listening.
WEBHOOK_URL = "http://127.0.0.1:9/hindsight-schemathesis"

INCIDENTS = [
    # (title, service, category, description), enough shared words for suggestions.
    ("Checkout returns 500 on payment", "checkout", "database", "Payment step times out."),
    ("Search results are empty", "search", "index", "The index lags behind the database."),
    ("Login fails for SSO users", "auth", "identity", "The identity provider rejects tokens."),
    ("Checkout payment timeouts", "checkout", "database", "Connection pool exhausted."),
    ("Checkout 500 after deploy", "checkout", "database", "A migration locked the table."),
    ("Slow search queries", "search", "index", "Merges starve the searchers."),
    ("Duplicate: checkout returns 500", "checkout", "database", "Same as the first one."),
    ("Payment timeouts in checkout again", "checkout", "database", "Pool exhausted again."),
    ("Status page stale", "status", "cache", "The page is not refreshed."),
    ("Webhook deliveries delayed", "webhooks", "queue", "Deliveries wait for minutes."),
]


# The set above is reported this many times: the fuzzer's own transitions use up the incidents
# of each status (a cancelled or closed one takes no more), so there are several of each.
ROUNDS = 5


class GraphQLError(Exception):
    pass


def call(url, token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.load(response)
    except urllib.error.HTTPError as error:
        raise GraphQLError(f"HTTP {error.code}: {error.read()[:500]!r}") from None
    if payload.get("errors"):
        raise GraphQLError(json.dumps(payload["errors"])[:1000])
    return payload["data"]


def report_and_move(gql):
    """Reports INCIDENTS and moves them through every status; returns their numbers."""
    numbers = []
    for title, service, category, description in INCIDENTS:
        incident = gql(
            """mutation($title: String!, $service: String!, $category: String, $description: String!) {
                 reportIncident(input: {title: $title, service: $service, category: $category,
                                        description: $description, source: MANUAL}) { number }
               }""",
            title=title,
            service=service,
            category=category,
            description=description,
        )["reportIncident"]
        numbers.append(incident["number"])

    def act(mutation, number, extra=""):
        gql(f'mutation($id: ID!) {{ {mutation}(input: {{id: $id {extra}}}) {{ status }} }}', id=number)

    triage = 'category: "database", impact: HIGH, urgency: MEDIUM'
    resolution = 'resolution: {summary: "Raised the pool size", rootCause: "Pool too small", fix: "Pool 50"}'
    # numbers[0] stays NEW, as does the last one.
    act("triageIncident", numbers[1], triage)  # TRIAGED
    for n in numbers[2:6] + numbers[7:9]:
        act("triageIncident", n, triage)
        act("startInvestigation", n)  # INVESTIGATING
    act("mitigateIncident", numbers[3])  # MITIGATED
    for n in (numbers[4], numbers[5], numbers[7], numbers[8]):
        act("resolveIncident", n, resolution)  # RESOLVED
    # A P2 closes only with a published review (reviews.required_for): the seed writes one,
    # which also leaves a review and its ids for the fuzzer.
    review = gql(
        'mutation($id: ID!) { startReview(input: {incidentId: $id}) { id } }', id=numbers[5]
    )["startReview"]
    gql('mutation($id: ID!) { submitReview(input: {id: $id}) { id } }', id=review["id"])
    gql('mutation($id: ID!) { publishReview(input: {id: $id}) { id } }', id=review["id"])
    act("closeIncident", numbers[5])  # CLOSED
    act("reopenIncident", numbers[8], 'reason: "It came back"')  # INVESTIGATING again
    act("cancelIncident", numbers[6], f'reason: "Duplicate", duplicateOf: "{numbers[0]}"')

    gql('mutation($id: ID!) { addNote(input: {incidentId: $id, body: "Pool at 100%"}) { id } }', id=numbers[2])
    gql(
        """mutation($id: ID!) {
             postUpdate(input: {incidentId: $id, audience: PUBLIC, body: "We are on it",
                                status: INVESTIGATING}) { id }
           }""",
        id=numbers[2],
    )
    gql('mutation($id: ID!) { watchIncident(input: {incidentId: $id}) { id } }', id=numbers[1])
    return numbers


def give_roles(gql, users, numbers):
    """Gives each user a role on the TRIAGED and an INVESTIGATING incident of a round, so
    that relieveRole has holders to relieve; returns them as {incident, user, role}."""
    given = []
    for number in (numbers[1], numbers[2]):
        for user, role in zip(users, ("INCIDENT_MANAGER", "SPECIALIST", "COMMUNICATOR")):
            gql(
                """mutation($id: ID!, $user: ID!, $role: IncidentRole!) {
                     assignRole(input: {incidentId: $id, userId: $user, role: $role}) { version }
                   }""",
                id=number,
                user=user,
                role=role,
            )
            given.append({"incident": number, "user": user, "role": role})
    return given


def main():
    url, out = sys.argv[1], sys.argv[2]
    admin = os.environ["HINDSIGHT_TOKEN"]
    others = os.environ.get("HINDSIGHT_SEED_TOKENS", "").split()

    def gql(query, **variables):
        return call(url, admin, query, variables)

    users = [call(url, token, "{ viewer { id } }")["viewer"]["id"] for token in [admin, *others]]

    # Webhooks first, so that the changes below leave deliveries to list.
    webhooks = []
    try:
        created = gql(
            """mutation($url: String!) {
                 createWebhook(input: {url: $url, events: [], format: JSON}) { webhook { id } }
               }""",
            url=WEBHOOK_URL,
        )
        webhooks.append(created["createWebhook"]["webhook"]["id"])
        created = gql(
            """mutation($url: String!) {
                 createWebhook(input: {url: $url, events: [RESOLVED], format: SLACK}) { webhook { id } }
               }""",
            url=WEBHOOK_URL,
        )
        webhooks.append(created["createWebhook"]["webhook"]["id"])
        gql('mutation($id: ID!) { disableWebhook(input: {id: $id}) { id } }', id=webhooks[1])
    except GraphQLError as error:
        print(f"seed: no webhook registered ({error}); webhook ids stay generated", file=sys.stderr)

    numbers, roles = [], []
    for _ in range(ROUNDS):
        round_numbers = report_and_move(gql)
        numbers += round_numbers
        roles += give_roles(gql, users, round_numbers)

    incidents, events, timeline_cursors = [], [], []
    for n in numbers:
        incident = gql(
            """query($id: ID!) {
                 incident(id: $id) {
                   id number status
                   timeline(first: 50) { edges { cursor node { id } } }
                 }
               }""",
            id=n,
        )["incident"]
        incidents.append({"id": incident["id"], "number": incident["number"], "status": incident["status"]})
        for edge in incident["timeline"]["edges"]:
            events.append({"incident": incident["id"], "id": edge["node"]["id"]})
            timeline_cursors.append(edge["cursor"])

    pages = gql(
        """{
             incidents(first: 3) { edges { cursor } }
             users(first: 3) { edges { cursor } }
           }"""
    )
    cursors = {
        "Query.incidents": [e["cursor"] for e in pages["incidents"]["edges"]],
        "Query.users": [e["cursor"] for e in pages["users"]["edges"]],
        "Incident.timeline": timeline_cursors[:20],
    }
    if webhooks:
        deliveries = gql(
            'query($id: ID!) { webhookDeliveries(webhookId: $id, first: 3) { edges { cursor } } }',
            id=webhooks[0],
        )
        cursors["Query.webhookDeliveries"] = [e["cursor"] for e in deliveries["webhookDeliveries"]["edges"]]

    seed = {
        "incidents": incidents,
        "users": users,
        "roles": roles,
        "webhooks": webhooks,
        "webhook_url": WEBHOOK_URL if webhooks else None,
        "events": events,
        "cursors": {k: v for k, v in cursors.items() if v},
    }
    with open(out, "w") as f:
        json.dump(seed, f, indent=1)
    print(
        f"seed: {len(incidents)} incidents, {len(users)} users, {len(roles)} roles, {len(webhooks)} webhooks, "
        f"{len(events)} timeline events, cursors for {', '.join(seed['cursors'])}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    try:
        main()
    except (GraphQLError, OSError) as error:
        sys.exit(f"seed: {error}")
