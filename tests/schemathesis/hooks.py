"""Schemathesis hooks for hindsight's GraphQL endpoint (loaded through SCHEMATHESIS_HOOKS).

Three things:

- `hindsight_no_internal_error`, the only check run.sh asks for. Schemathesis's own
  `not_a_server_error` counts every resolver error that has a `path` as a server failure, so
  hindsight's ordinary refusals (NOT_FOUND, CONFLICT, FORBIDDEN, ...) would fail it. This
  check fails on what really is the server's fault: a 5xx answer, or an error that hindsight
  itself labels `extensions.code = "INTERNAL"`.
- `flatmap_body`: puts real ids (from seed.py, file named by HINDSIGHT_SCHEMATHESIS_SEED)
  into the ID arguments of generated operations (an incident in a status the operation can
  act on, an event with its own incident, a role with its holder) and real cursors into
  `after`, and makes half of the documents' text acceptable, so that mutations get past
  validation and "not found" to the code behind it. Generated values stay in a share of the
  cases, to keep probing the refusals. The choices are drawn from Hypothesis, so a run is
  reproduced by its `--seed` (the server's state aside).
- `after_call`: keeps the seeded incidents' statuses current as the fuzzer's transitions
  succeed (and adds the incidents it reports), and tallies what each operation answered
  (data, or the error codes), printed at exit, to show how far the cases got.
"""

import atexit
import collections
import json
import os
import re
import sys
import threading
import unicodedata

import graphql
import schemathesis
from hypothesis import strategies as st

# Fallback for a body that is not JSON: the label as it would appear in the text.
INTERNAL_IN_TEXT = re.compile(r'"code"\s*:\s*"INTERNAL"')

# Share of ID values and `after` cursors replaced by real ones.
REAL_ID_PROBABILITY = 0.85
REAL_CURSOR_PROBABILITY = 0.5
# Share of documents made likelier to be accepted: their strings lose their control
# characters (and get a visible word if nothing visible is left), as hindsight refuses both
# and random text has them so often that almost no title, reason or summary would get
# through; half of their `expectedVersion`s go (a random one is stale); half of their webhook
# URLs become the seed's. The other half keeps probing those refusals.
CLEAN_TEXT_PROBABILITY = 0.5


def _internal_errors(payload):
    """The errors in a GraphQL response (or a batch of them) whose code is INTERNAL."""
    if isinstance(payload, list):
        return [e for item in payload for e in _internal_errors(item)]
    if not isinstance(payload, dict):
        return []
    errors = payload.get("errors")
    if not isinstance(errors, list):
        return []
    return [
        e
        for e in errors
        if isinstance(e, dict)
        and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "INTERNAL"
    ]


@schemathesis.check
def hindsight_no_internal_error(ctx, response, case):
    """No 5xx answer and no error with extensions.code INTERNAL."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text_lossy()[:2000]}")
    try:
        payload = json.loads(response.content)
    except ValueError:
        text = response.text_lossy()
        if INTERNAL_IN_TEXT.search(text):
            raise AssertionError(f"INTERNAL error in a non-JSON body: {text[:2000]}")
        return None
    internal = _internal_errors(payload)
    if internal:
        raise AssertionError("error with code INTERNAL: " + json.dumps(internal)[:2000])
    return None


# --- Real ids -------------------------------------------------------------------------------


def _load_seed():
    path = os.environ.get("HINDSIGHT_SCHEMATHESIS_SEED")
    if not path:
        print("hooks.py: HINDSIGHT_SCHEMATHESIS_SEED not set; ids stay generated", file=sys.stderr)
        return None
    with open(path) as f:
        return json.load(f)


SEED = _load_seed()


def _id_kind(owner, name):
    """Which kind of record an ID argument or input field names.

    `owner` is `Type.field` for a field's argument, or the input type for an input field.
    """
    if name == "webhookId" or (name == "id" and "Webhook" in owner):
        return "webhook"
    if name in ("userId", "reporter"):
        return "user"
    if name == "eventId":
        return "event"
    if name in ("id", "incidentId", "suggestedIncidentId", "duplicateOf"):
        return "incident"
    return None


def _visible_text(text):
    """The text without control characters (Unicode Cc, as Rust's `char::is_control`), and
    never blank."""
    kept = "".join(c for c in text if unicodedata.category(c) != "Cc")
    return kept if kept.strip() else kept + "fuzz"


def _replace(node, **changes):
    # graphql-core's AST nodes are immutable: a copy with some attributes changed.
    return type(node)(**{**{key: getattr(node, key) for key in node.keys}, **changes})


def _strip_non_null(type_):
    while isinstance(type_, graphql.GraphQLNonNull):
        type_ = type_.of_type
    return type_


def _named(type_):
    while isinstance(type_, (graphql.GraphQLNonNull, graphql.GraphQLList)):
        type_ = type_.of_type
    return type_


# The statuses an operation can act on (the lifecycle table); the operation's incident is
# drawn from the seeded incidents that had one of them, in most cases.
OPEN = {"NEW", "TRIAGED", "INVESTIGATING", "MITIGATED"}
SUITABLE_STATUSES = {
    ("Mutation.triageIncident", "id"): OPEN,
    ("Mutation.startInvestigation", "id"): {"TRIAGED"},
    ("Mutation.mitigateIncident", "id"): {"INVESTIGATING"},
    ("Mutation.resolveIncident", "id"): {"INVESTIGATING", "MITIGATED"},
    ("Mutation.closeIncident", "id"): {"RESOLVED"},
    ("Mutation.reopenIncident", "id"): {"RESOLVED"},
    ("Mutation.cancelIncident", "id"): OPEN,
    ("Mutation.rateSuggestion", "incidentId"): OPEN,
    ("Mutation.rateSuggestion", "suggestedIncidentId"): {"RESOLVED", "CLOSED"},
}
SUITABLE_PROBABILITY = 0.8


class _Seeder:
    """Rewrites one generated document with real ids, choosing with a Hypothesis Random."""

    def __init__(self, schema, seed, operation, rng):
        self.schema = schema
        self.seed = seed
        self.operation = operation  # e.g. "Mutation.triageIncident"
        self.rng = rng
        # The other half of the documents keeps its generated text, expectedVersion and URLs.
        self.clean = rng.random() < CLEAN_TEXT_PROBABILITY
        self.by_number = {i["number"]: i for i in seed["incidents"]}
        self.by_id = {i["id"]: i for i in seed["incidents"]}

    def chance(self, probability):
        return self.rng.random() < probability

    def incident_ref(self, incident):
        # Every incident argument takes the id or the number (`INC-7`): use both.
        return incident["id"] if self.chance(0.5) else incident["number"]

    def real_incident(self, name):
        incidents = self.seed["incidents"]
        statuses = SUITABLE_STATUSES.get((self.operation, name))
        if statuses and self.chance(SUITABLE_PROBABILITY):
            incidents = [i for i in incidents if i["status"] in statuses] or incidents
        return self.incident_ref(self.rng.choice(incidents)) if incidents else None

    def real_id(self, kind, name):
        if kind == "incident":
            return self.real_incident(name)
        pool = {
            "user": self.seed["users"],
            "webhook": self.seed["webhooks"],
            "event": [e["id"] for e in self.seed["events"]],
        }[kind]
        return self.rng.choice(pool) if pool else None

    def document(self, document):
        definitions = []
        for definition in document.definitions:
            if isinstance(definition, graphql.OperationDefinitionNode):
                root = self.schema.get_root_type(definition.operation)
                if root is not None:
                    definition = _replace(
                        definition, selection_set=self.selections(definition.selection_set, root)
                    )
            definitions.append(definition)
        return _replace(document, definitions=tuple(definitions))

    def selections(self, selection_set, parent):
        if selection_set is None or not hasattr(parent, "fields"):
            return selection_set
        selections = []
        for selection in selection_set.selections:
            if isinstance(selection, graphql.FieldNode):
                field = parent.fields.get(selection.name.value)
                if field is not None:
                    owner = f"{parent.name}.{selection.name.value}"
                    arguments = tuple(
                        self.argument(argument, field.args.get(argument.name.value), owner)
                        for argument in selection.arguments or ()
                    )
                    selection = _replace(
                        selection,
                        arguments=arguments,
                        selection_set=self.selections(selection.selection_set, _named(field.type)),
                    )
            elif isinstance(selection, graphql.InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                selection = _replace(selection, selection_set=self.selections(selection.selection_set, inner))
            selections.append(selection)
        return _replace(selection_set, selections=tuple(selections))

    def argument(self, argument, definition, owner):
        if definition is None:
            return argument
        name = argument.name.value
        value = argument.value
        if name == "after" and isinstance(value, graphql.StringValueNode):
            cursors = self.seed["cursors"].get(owner)
            if cursors and self.chance(REAL_CURSOR_PROBABILITY):
                return _replace(argument, value=graphql.StringValueNode(value=self.rng.choice(cursors)))
            return argument
        return _replace(argument, value=self.value(value, definition.type, name, owner))

    def value(self, node, type_, name, owner):
        type_ = _strip_non_null(type_)
        if isinstance(type_, graphql.GraphQLList):
            if isinstance(node, graphql.ListValueNode):
                values = tuple(self.value(v, type_.of_type, name, owner) for v in node.values)
                return _replace(node, values=values)
            return self.value(node, type_.of_type, name, owner)  # one value stands for a list
        if isinstance(type_, graphql.GraphQLInputObjectType) and isinstance(node, graphql.ObjectValueNode):
            return self.input_object(node, type_)
        if not isinstance(type_, graphql.GraphQLScalarType):
            return node
        if type_.name == "ID" and isinstance(node, (graphql.StringValueNode, graphql.IntValueNode)):
            kind = _id_kind(owner, name)
            if kind is not None and self.chance(REAL_ID_PROBABILITY):
                real = self.real_id(kind, name)
                if real is not None:
                    return graphql.StringValueNode(value=real)
        if self.clean and type_.name == "String" and isinstance(node, graphql.StringValueNode):
            if name == "url" and self.seed.get("webhook_url") and self.chance(0.5):
                return graphql.StringValueNode(value=self.seed["webhook_url"])
            return graphql.StringValueNode(value=_visible_text(node.value))
        return node

    def input_object(self, node, type_):
        fields = []
        for field_node in node.fields:
            if self.clean and field_node.name.value == "expectedVersion" and self.chance(0.5):
                continue  # a random version is stale: leave the transition itself a chance
            definition = type_.fields.get(field_node.name.value)
            if definition is not None:
                value = self.value(field_node.value, definition.type, field_node.name.value, type_.name)
                field_node = _replace(field_node, value=value)
            fields.append(field_node)
        fields = self.pair_event_with_its_incident(fields)
        fields = self.pair_role_with_its_holder(fields)
        return _replace(node, fields=tuple(fields))

    def set_fields(self, fields, values):
        names = {f.name.value: i for i, f in enumerate(fields)}
        fields = list(fields)
        for name, value in values.items():
            i = names[name]
            fields[i] = _replace(fields[i], value=value)
        return fields

    def pair_event_with_its_incident(self, fields):
        """An event id only means something with its own incident (annotateTimelineEvent)."""
        names = {f.name.value for f in fields}
        if not {"eventId", "incidentId"} <= names or not self.seed["events"]:
            return fields
        if not self.chance(REAL_ID_PROBABILITY):
            return fields
        event = self.rng.choice(self.seed["events"])
        incident = self.by_id.get(event["incident"])
        if incident is None:
            return fields
        return self.set_fields(
            fields,
            {
                "eventId": graphql.StringValueNode(value=event["id"]),
                "incidentId": graphql.StringValueNode(value=self.incident_ref(incident)),
            },
        )

    def pair_role_with_its_holder(self, fields):
        """relieveRole only succeeds on a role someone holds: the seeded assignments, in half
        of the cases."""
        if self.operation != "Mutation.relieveRole" or not self.seed.get("roles"):
            return fields
        names = {f.name.value for f in fields}
        if not {"incidentId", "userId", "role"} <= names or not self.chance(0.5):
            return fields
        given = self.rng.choice(self.seed["roles"])
        incident = self.by_number.get(given["incident"])
        if incident is None:
            return fields
        return self.set_fields(
            fields,
            {
                "incidentId": graphql.StringValueNode(value=self.incident_ref(incident)),
                "userId": graphql.StringValueNode(value=given["user"]),
                "role": graphql.EnumValueNode(value=given["role"]),
            },
        )


if SEED is not None:

    class _LiteralFinder(graphql.Visitor):
        def __init__(self):
            super().__init__()
            self.found = False

        def enter_string_value(self, *_):
            self.found = True
            return graphql.BREAK

        enter_int_value = enter_string_value

    def _has_literals(document):
        """Whether the document holds a string or integer the seeder could replace."""
        finder = _LiteralFinder()
        graphql.visit(document, finder)
        return finder.found

    @schemathesis.hook
    def flatmap_body(ctx, body):
        # Nothing to replace: no draw either, so that Hypothesis still sees a repeat of such a
        # document (`triageIncident { id }`, no input) as a repeat and does not send it again.
        if not isinstance(body, graphql.DocumentNode) or ctx.operation is None or not _has_literals(body):
            return st.just(body)
        schema = ctx.operation.schema.client_schema
        label = ctx.operation.label
        # A plain Random seeded from one Hypothesis draw: reproducible by --seed, unbiased
        # (Hypothesis's own Random favours small values, so the first seeded ids, and
        # "replace" at every chance), and one draw however many choices the seed's current
        # state asks for (a varying number makes Hypothesis end the operation early).
        return st.randoms(use_true_random=True).map(
            lambda rng: _Seeder(schema, SEED, label, rng).document(body)
        )


# --- What the cases got back ----------------------------------------------------------------

_tally = collections.defaultdict(collections.Counter)
_tally_lock = threading.Lock()


def _outcome(response):
    if response.status_code >= 400:
        return f"HTTP {response.status_code}"
    try:
        payload = json.loads(response.content)
    except ValueError:
        return "not JSON"
    if not isinstance(payload, dict):
        return "not an object"
    errors = payload.get("errors")
    if not errors:
        return "data"
    codes = sorted(
        {
            str((e.get("extensions") or {}).get("code", "no code")) if isinstance(e, dict) else "?"
            for e in errors
        }
    )
    return "/".join(codes)


@schemathesis.hook
def after_call(context, case, response):
    with _tally_lock:
        _tally[case.operation.label][_outcome(response)] += 1
    if SEED is not None:
        _track_incidents(case, response)


# --- Keeping the seed's statuses current ------------------------------------------------------

# What a successful transition leaves its incident in. The fuzzer's own transitions (cancel
# and close above all) soon leave few incidents in the seed's status, so each success is
# written back, and incidents it reports join the seed, for the next cases to choose from.
STATUS_AFTER = {
    "Mutation.triageIncident": "TRIAGED",
    "Mutation.startInvestigation": "INVESTIGATING",
    "Mutation.mitigateIncident": "MITIGATED",
    "Mutation.resolveIncident": "RESOLVED",
    "Mutation.closeIncident": "CLOSED",
    "Mutation.reopenIncident": "INVESTIGATING",
    "Mutation.cancelIncident": "CANCELLED",
}
_seed_lock = threading.Lock()


def _root_result(response):
    """The root field's result of a response without errors, or None."""
    try:
        payload = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("errors") or not isinstance(payload.get("data"), dict):
        return None
    results = list(payload["data"].values())
    return results[0] if len(results) == 1 and isinstance(results[0], dict) else None


def _input_id(body):
    """The `input: {id: ...}` of a generated mutation, or None."""
    try:
        document = graphql.parse(body)
    except graphql.GraphQLError:
        return None
    for definition in document.definitions:
        if not isinstance(definition, graphql.OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            for argument in getattr(selection, "arguments", None) or ():
                if argument.name.value == "input" and isinstance(argument.value, graphql.ObjectValueNode):
                    for field in argument.value.fields:
                        if field.name.value == "id" and isinstance(field.value, graphql.StringValueNode):
                            return field.value.value
    return None


def _track_incidents(case, response):
    label = case.operation.label
    if label != "Mutation.reportIncident" and label not in STATUS_AFTER:
        return
    result = _root_result(response)
    if result is None or not isinstance(case.body, str):
        return
    with _seed_lock:
        if label == "Mutation.reportIncident":
            ref = result.get("id") or result.get("number")
            if isinstance(ref, str):
                number = result.get("number") or ref
                SEED["incidents"].append({"id": result.get("id") or ref, "number": number, "status": "NEW"})
            return
        ref = _input_id(case.body)
        for incident in SEED["incidents"]:
            if ref in (incident["id"], incident["number"]):
                incident["status"] = STATUS_AFTER[label]


@atexit.register
def _print_tally():
    if not _tally:
        return
    answered = sum(c["data"] for c in _tally.values())
    total = sum(sum(c.values()) for c in _tally.values())
    print(f"\nWhat the requests got back ({total} requests, {answered} answered with data):")
    for label in sorted(_tally):
        counts = _tally[label]
        rest = ", ".join(f"{k} {v}" for k, v in counts.most_common() if k != "data")
        print(f"  {label:38} {sum(counts.values()):5} requests, data {counts['data']:4}; {rest}")
    sys.stdout.flush()
