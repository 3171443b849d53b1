"""Generate the tables of docs/events.md from the package itself.

Used two ways:

- as a MkDocs hook (``hooks: [docs/gen_events.py]`` in mkdocs.yml): every build replaces the
  ``<!-- events:generated -->`` marker of events.md with fresh tables, so the page can never
  disagree with ``helpscout.events.EVENTS`` and ``helpscout.samples``;
- by hand: ``python docs/gen_events.py`` prints the generated Markdown.

The tables come from the installed package: the catalogue (``EVENTS``), each event's sample
body received through ``HelpScoutWebHook.receive`` (its v2 fields, as JSON keys and as
attributes), the legacy v1 fixtures in ``tests/fixtures/v1``, and the original's attribute
names, each checked on a received sample: a name that no longer resolves fails the build.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

MARKER = "<!-- events:generated -->"
ROOT = pathlib.Path(__file__).resolve().parent.parent
V1_FIXTURES = ROOT / "tests" / "fixtures" / "v1"
_SECRET = "docs-secret"

# The original's attribute names that read v2 data stored under another key:
# (record class, event whose sample holds one, path to the record, original name, v2 source).
ALIASES: Sequence[Tuple[str, str, str, str, str]] = (
    ("Conversation", "convo.created", "", "customer", "primaryCustomer"),
    ("Conversation", "convo.assigned", "", "owner", "assignee"),
    ("Conversation", "convo.created", "", "threads", "_embedded.threads (v2 threads is a count)"),
    ("Conversation", "convo.created", "", "thread_count", "threads (the count)"),
    ("Conversation", "convo.created", "", "mailbox", "mailboxId (a MailboxRef with that id)"),
    ("Conversation", "convo.created", "", "modified_at", "userUpdatedAt"),
    ("Conversation", "convo.created", "", "user_modified_at", "userUpdatedAt"),
    ("Conversation", "convo.created", "", "created_by_type", "createdBy.type"),
    ("Conversation", "convo.created", "", "is_draft", 'state == "draft"'),
    ("Thread", "convo.created", "threads.0", "attachments", "_embedded.attachments"),
    ("Thread", "convo.created", "threads.0", "created_by_customer", 'createdBy.type == "customer"'),
    ("Person", "convo.created", "customer", "first_name", "first"),
    ("Person", "convo.created", "customer", "last_name", "last"),
    ("Customer", "customer.created", "", "emails", "_embedded.emails"),
    ("Customer", "customer.created", "", "email", "_embedded.emails[0].value"),
    ("Customer", "customer.created", "", "address", "_embedded.address"),
    ("Customer", "customer.created", "", "modified_at", "updatedAt"),
    ("Email", "customer.created", "emails.0", "location", "type"),
    ("Rating", "satisfaction.ratings", "", "ticket_id", "conversationId"),
    ("Rating", "satisfaction.ratings", "", "mailbox", "mailboxId (a MailboxRef with that id)"),
    ("Tag", "tag.created", "", "tag", "name"),
    ("Tag", "tag.created", "", "count", "ticketCount"),
    ("SurveyResponse", "message.survey.response.received", "", "customer", "_embedded.customer"),
    ("BeaconChat", "beacon.chat.created", "", "events", "_embedded.events"),
)


# Where Help Scout documents each event (sources: the webhooks page, the Mailbox API's
# webhook create/get pages, the Chat API page, Help Scout's SDKs). Every catalogued event
# needs a row here: the build fails on a missing or extra name.
WEBHOOKS_PAGE = "webhooks page"
DOCUMENTED: Dict[str, str] = {
    **{
        name: WEBHOOKS_PAGE
        for name in (
            "beacon.chat.created",
            "beacon.chat.customer.replied",
            "convo.agent.reply.created",
            "convo.assigned",
            "convo.created",
            "convo.custom-fields",
            "convo.customer.reply.created",
            "convo.deleted",
            "convo.merged",
            "convo.moved",
            "convo.note.created",
            "convo.status",
            "convo.tags",
            "customer.created",
            "customer.deleted",
            "customer.updated",
            "message.survey.response.received",
            "satisfaction.ratings",
            "tag.created",
            "tag.deleted",
            "tag.updated",
        )
    },
    "convo.ai-answers.created": "webhooks page (newest version only)",
    **{
        name: "API events list only"
        for name in (
            "convo.ai-answers-email.reply.created",
            "convo.ai-answers-email.resolution",
            "organization.created",
            "organization.deleted",
            "organization.updated",
            "user.status.changed",
        )
    },
    "beacon.chat.agent.replied": "Chat API page",
    "beacon.chat.assigned": "Chat API page",
    "helpscout.test": "SDKs only",
}


def _received(event: str) -> Any:
    """The package's sample of ``event``, signed and received like a real delivery."""
    from helpscout import HelpScoutWebHook, _core, samples

    body = samples.sample(event)
    hook = HelpScoutWebHook(secret_key=_SECRET)
    return hook.receive(event, _core.sign(_SECRET.encode(), body), body)


def _walk(record: Any, path: str) -> Any:
    for step in filter(None, path.split(".")):
        record = record[int(step)] if step.isdigit() else getattr(record, step)
    return record


def _code(items: Iterable[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "—"


def _fields(body: Dict[str, Any]) -> List[str]:
    """Top-level JSON keys, with the keys of ``_embedded`` listed as ``_embedded.key``."""
    keys = [key for key in body if key != "_embedded"]
    embedded = body.get("_embedded")
    if isinstance(embedded, dict):
        keys += [f"_embedded.{key}" for key in embedded]
    return keys


def _reader(record: Any, key: str, snake: Any) -> str:
    """How a handler reads ``key`` of ``record``: its attribute when that resolves (checked
    here), else item access on ``_embedded``."""
    if key.startswith("_embedded."):
        leaf = key.split(".", 1)[1]
        attribute = snake(leaf)
        try:
            if getattr(record, attribute) is not None:
                return f"record.{attribute}"
        except AttributeError:
            pass
        return f"record._embedded[{leaf!r}]"
    attribute = snake(key)
    value = getattr(record, attribute)  # raises if the documented attribute does not read
    raw = record.to_api().get(key)
    if isinstance(raw, int) and isinstance(value, list):
        # v2 `threads` is a count; the original's name gives the list (see the aliases above)
        count = f"{attribute[:-1]}_count"
        if getattr(record, count) != raw:
            raise AssertionError(f"{type(record).__name__}.{count} != {key}")
        return f"record.{count}"
    return f"record.{attribute}"


def catalogue() -> str:
    """Every catalogued event: record class, description, whether the API subscribes to it."""
    from helpscout.events import EVENTS

    missing = sorted(set(EVENTS) - set(DOCUMENTED))
    extra = sorted(set(DOCUMENTED) - set(EVENTS))
    if missing or extra:
        raise AssertionError(f"DOCUMENTED lacks {missing} / names unknown events {extra}")
    rows = [
        "| Event | Record class | Description | Documented by Help Scout | API-subscribable |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(EVENTS):
        info = EVENTS[name]
        subscribable = "yes" if info.subscribable else "no (delivery only)"
        rows.append(
            f"| `{name}` | `{info.record_class}` | {info.description} | {DOCUMENTED[name]} "
            f"| {subscribable} |"
        )
    return "\n".join(rows)


def fields_by_event() -> str:
    """Per event: the v2 sample's JSON keys and attribute names, and the v1 keys if known."""
    from helpscout import _core
    from helpscout.events import EVENTS

    v1 = {path.stem: json.loads(path.read_bytes()) for path in sorted(V1_FIXTURES.glob("*.json"))}
    out: List[str] = []
    for name in sorted(EVENTS):
        event = _received(name)
        body = json.loads(event.record.to_json())
        out.append(f"### `{name}`\n")
        out.append(f"{EVENTS[name].description} Record: `{type(event.record).__name__}`.\n")
        out.append("| v2 JSON key | read as |\n|---|---|")
        for key in _fields(body):
            out.append(f"| `{key}` | `{_reader(event.record, key, _core.to_snake_case)}` |")
        legacy = v1.get(name)
        if isinstance(legacy, dict):
            out.append(f"\nLegacy v1 body (`tests/fixtures/v1/{name}.json`) keys: {_code(legacy)}.")
        out.append("")
    return "\n".join(out)


def aliases() -> str:
    """The original's names, each read on a received sample (the build fails if one breaks)."""
    rows = [
        "| Record | Original attribute | v2 source | Read on the sample of | Value there |",
        "|---|---|---|---|---|",
    ]
    for cls, event, path, name, source in ALIASES:
        record = _walk(_received(event).record, path)
        if cls not in {klass.__name__ for klass in type(record).__mro__}:
            raise AssertionError(
                f"{event} {path or 'record'} is {type(record).__name__}, not {cls}"
            )
        value = getattr(record, name)
        if value is None:
            raise AssertionError(f"{cls}.{name} reads None on the {event} sample")
        shown = _short(value)
        rows.append(f"| `{cls}` | `{name}` | `{source}` | `{event}` | {shown} |")
    return "\n".join(rows)


def _short(value: Any, limit: int = 48) -> str:
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def render() -> str:
    return "\n\n".join(
        [
            "## Catalogue",
            "*Documented by Help Scout*: **webhooks page**: on Help Scout's "
            "[webhook documentation](https://developer.helpscout.com/webhooks/), with its body; "
            "**API events list only**: in the `events` list of the Mailbox API's webhook "
            "[create](https://developer.helpscout.com/mailbox-api/endpoints/webhooks/create) "
            "and get pages, with no documented body; **Chat API page**: on the "
            "[Chat API](https://developer.helpscout.com/chat/) page only; **SDKs only**: in "
            "Help Scout's own SDKs (the test delivery).",
            catalogue(),
            "**Delivery only**: `helpscout.test`, `convo.ai-answers.created`, "
            "`beacon.chat.agent.replied` and `beacon.chat.assigned` arrive in deliveries, but "
            "`POST /v2/webhooks` does not accept them, so they are not in `EVENT_CHOICES`, and "
            "the client refuses to subscribe them (even with `allow_unknown_events=True`), "
            "saying why.",
            "## The original's attribute names on v2 payloads",
            "Where v2 carries the same information under another key, the original's attribute "
            "name still reads it (the v2 name works too). Each row below was read on the "
            "package's sample of that event when this page was built.",
            aliases(),
            "## Fields of each event",
            "The keys of each event's sample body as Help Scout sends them (v2), and the "
            "attribute that reads each. Every key of a real delivery is readable, including "
            "keys not listed here.",
            fields_by_event(),
        ]
    )


def on_page_markdown(markdown: str, page: Any, **_: Any) -> Optional[str]:
    """MkDocs hook: fill in events.md."""
    if page.file.src_uri == "events.md":
        if MARKER not in markdown:
            raise ValueError(f"events.md lacks the {MARKER} marker")
        return markdown.replace(MARKER, render())
    return markdown


if __name__ == "__main__":
    print(render())
