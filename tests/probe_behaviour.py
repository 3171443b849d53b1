"""Compare this package with the original ``helpscout`` 0.1.3, call by call.

    python tests/probe_behaviour.py            # the table of differences
    python tests/probe_behaviour.py --all      # every case, also the ones that agree

The original runs in its own virtualenv (``/tmp/venv013``, or ``$HELPSCOUT_ORIGINAL_VENV``),
created on first use from pyenv's Python 3.9 (else 3.11, else this interpreter) with
``helpscout==0.1.3`` and the dependency versions pinned in ``ORIGINAL_REQUIREMENTS``. Both
packages are called ``helpscout``, so each runs the same list of cases (``CASES``) in its own
subprocess: this file is also the worker (``--worker``), standard library only, Python 3.9
syntax.

The table lists every case where 0.1.3 succeeded and this package raises or gives another
value. A row whose case is in ``DELIBERATE`` is a difference that docs/migrating.md explains;
any other row is printed as ``UNLISTED`` and makes the exit status 1. Not collected by pytest
(no ``test_`` prefix): it needs the original's virtualenv and takes a few seconds.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import pathlib
import subprocess
import sys
import venv
from typing import Any, Dict, List, Optional, Tuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORIGINAL_VENV = pathlib.Path(os.environ.get("HELPSCOUT_ORIGINAL_VENV", "/tmp/venv013"))
ORIGINAL_REQUIREMENTS = [
    "helpscout==0.1.3",
    "properties==0.6.1",
    "requests==2.32.5",
    "six==1.17.0",
]
"""A set that installs and passes the original's own tests on Python 3.9 and 3.11."""

CASE_TIMEOUT_S = 120


def fixtures_dir() -> pathlib.Path:
    """The signed fixtures, where tests/conftest.py reads them."""
    for candidate in (
        ROOT / "tests" / "fixtures",
        pathlib.Path(os.environ.get("HELPSCOUT_SHARED", ROOT.parent / "shared"))
        / "helpscout"
        / "fixtures",
    ):
        if (candidate / "manifest.json").is_file():
            return candidate
    raise SystemExit("signed fixtures not found (tests/fixtures or ../shared/helpscout/fixtures)")


# --------------------------------------------------------------------------------------------
# The cases. Each is Python run by both packages; it sets ``result``. Names available: json,
# copy, pickle, datetime, helpscout, models (helpscout.models), hook (a HelpScoutWebHook with
# the fixtures' secret), receive(file, event=None), body(file), signed(event, data) (receives
# bytes signed here), V1/V2 fixture names.
# --------------------------------------------------------------------------------------------

V1_CONVO = "v1/convo.created.json"
V1_CUSTOMER = "v1/customer.created.json"
V1_RATING = "v1/satisfaction.ratings.json"
V1_DELETED = "v1/convo.deleted.json"

CASES: List[Tuple[str, str]] = []


def case(name: str, code: str) -> None:
    CASES.append((name, code))


def _cases() -> None:
    manifest = json.loads((fixtures_dir() / "manifest.json").read_bytes())
    for entry in manifest["fixtures"]:
        case(
            "receive %s" % entry["file"],
            "result = type(receive(%r).record).__name__" % entry["file"],
        )
    # imports real code uses
    case(
        "EVENT_CHOICES shape",
        "from helpscout.models.web_hook_event import EVENT_CHOICES\n"
        "result = (type(EVENT_CHOICES).__name__, EVENT_CHOICES['convo.created'], "
        "all(isinstance(k, str) and isinstance(v, str) for k, v in EVENT_CHOICES.items()))",
    )
    case(
        "original 12 events in EVENT_CHOICES",
        "from helpscout.models.web_hook_event import EVENT_CHOICES\n"
        "result = all(e in EVENT_CHOICES for e in ['convo.assigned', 'convo.created', "
        "'convo.deleted', 'convo.merged', 'convo.moved', 'convo.status', 'convo.tags', "
        "'convo.customer.reply.created', 'convo.agent.reply.created', 'convo.note.created', "
        "'customer.created', 'satisfaction.ratings'])",
    )
    for module, cls in [
        ("address", "Address"),
        ("attachment", "Attachment"),
        ("attachment_data", "AttachmentData"),
        ("base_conversation", "BaseConversation"),
        ("chat", "Chat"),
        ("conversation", "Conversation"),
        ("custom_field", "CustomField"),
        ("customer", "Customer"),
        ("email", "Email"),
        ("field", "Field"),
        ("folder", "Folder"),
        ("mailbox", "Mailbox"),
        ("mailbox_ref", "MailboxRef"),
        ("option", "Option"),
        ("person", "Person"),
        ("phone", "Phone"),
        ("rating", "Rating"),
        ("search_conversation", "SearchConversation"),
        ("search_customer", "SearchCustomer"),
        ("social_profile", "SocialProfile"),
        ("source", "Source"),
        ("tag", "Tag"),
        ("thread", "Thread"),
        ("user", "User"),
        ("web_hook", "WebHook"),
        ("web_hook_event", "WebHookEvent"),
        ("website", "Website"),
        ("workflow", "Workflow"),
    ]:
        case(
            "import helpscout.models.%s.%s" % (module, cls),
            "import importlib\n"
            "result = getattr(importlib.import_module('helpscout.models.%s'), %r) "
            "is getattr(models, %r)" % (module, cls, cls),
        )
    case("helpscout.base_model.BaseModel", "from helpscout.base_model import BaseModel\nresult = 1")
    case(
        "from helpscout.models import HelpScoutWebHook",
        "from helpscout.models import HelpScoutWebHook\nresult = HelpScoutWebHook.__name__",
    )
    case("from helpscout import BaseModel", "from helpscout import BaseModel\nresult = 1")

    # v1 conversation: what the Odoo connector's mappers read
    for expr in [
        "r.id",
        "r.number",
        "r.subject",
        "r.status",
        "r.type",
        "r.folder_id",
        "r.is_draft",
        "r.owner",
        "r.mailbox.id",
        "r.mailbox.name",
        "r.customer.id",
        "r.customer.first_name",
        "r.customer.email",
        "r.customer.type",
        "r.customer.customer_person_type",
        "r.created_by.type",
        "r.created_at",
        "r.modified_at",
        "r.user_modified_at",
        "r.closed_at",
        "r.closed_by",
        "r.source.type",
        "r.source.via",
        "r.tags",
        "r.cc",
        "r.bcc",
        "r.thread_count",
        "r.preview",
        "len(r.threads)",
        "r.threads[0].type",
        "r.threads[0].status",
        "r.threads[1].status",
        "r.threads[1].action_type",
        "r.threads[1].action_source_id",
        "r.threads[0].from_mailbox",
        "r.threads[0].body",
        "r.threads[0].to",
        "r.threads[0].created_by.type",
        "r.threads[0].assigned_to",
        "r.threads[0].opened_at",
        "r.threads[0].saved_reply_id",
        "r.threads[0].created_by_customer",
        "r.threads[0].attachments[0].file_name",
        "r.threads[0].attachments[0].mime_type",
        "r.threads[0].attachments[0].url",
        "r.threads[0].attachments[0].size",
        "r['threads'][0]['state']",
        "r.get('created_at')",
        "r.get('modified_at')",
        "hasattr(r, 'modified_at')",
        "r.get('no_such_field', 'dflt')",
        "r.custom_fields",
        "r.draft",
        "r.spam",
        "r.locked",
        "r.created_by_type",
    ]:
        case("v1 convo %s" % expr, "r = receive(%r).record\nresult = %s" % (V1_CONVO, expr))
    case("v1 convo r['no_such_field'] raises KeyError", _raises(V1_CONVO, "r['nope']", "KeyError"))

    # v1 customer
    for expr in [
        "r.first_name",
        "r.last_name",
        "r.full_name",
        "r.gender",
        "r.type",
        "r.customer_person_type",
        "r.photo_type",
        "r.photo_url",
        "r.age",
        "r.organization",
        "r.job_title",
        "r.location",
        "r.background",
        "r.created_at",
        "r.modified_at",
        "r.emails[0].value",
        "r.emails[0].location",
        "r.phones[0].value",
        "r.phones[0].location",
        "r.chats[0].type",
        "r.social_profiles[0].type",
        "r.websites[0].value",
        "r.address.city",
        "r.address.lines",
        "r.address.postal_code",
        "r.email",
        "r.phone",
        "[p.location for p in r.phones]",
    ]:
        case("v1 customer %s" % expr, "r = receive(%r).record\nresult = %s" % (V1_CUSTOMER, expr))

    # v1 rating and delete
    for expr in [
        "r.rating",
        "r.comments",
        "r.customer.id",
        "r.customer.first_name",
        "r.ticket_id",
        "r.thread_id",
        "r.mailbox.id",
        "r.mailbox.name",
        "r.created_at",
    ]:
        case("v1 rating %s" % expr, "r = receive(%r).record\nresult = %s" % (V1_RATING, expr))
    case("v1 convo.deleted record class", "result = type(receive(%r).record).__name__" % V1_DELETED)
    case("v1 convo.deleted id", "result = receive(%r).record.id" % V1_DELETED)
    case("v1 convo.deleted status", "result = receive(%r).record.status" % V1_DELETED)
    case(
        "v1 customer.deleted-style body as customer.deleted",
        "result = type(signed('customer.deleted', b'{\"id\":5}').record).__name__",
    )

    # absent fields: the original models' defaults
    for cls, kwargs, attr in [
        ("Customer", "firstName='A'", "type"),
        ("Customer", "firstName='A'", "gender"),
        ("Customer", "firstName='A'", "customer_person_type"),
        ("Person", "firstName='A'", "type"),
        ("User", "firstName='A'", "type"),
        ("SearchCustomer", "firstName='A'", "gender"),
        ("Conversation", "id=1", "status"),
        ("BaseConversation", "id=1", "status"),
        ("SearchConversation", "id=1", "status"),
        ("Source", "via='user'", "type"),
        ("Email", "value='a@example.com'", "location"),
        ("Phone", "value='1'", "location"),
        ("Chat", "value='x'", "type"),
        ("SocialProfile", "value='x'", "type"),
        ("Folder", "name='x'", "type"),
        ("CustomField", "fieldName='x'", "field_type"),
        ("Workflow", "name='x'", "order"),
        ("Workflow", "name='x'", "status"),
        ("Workflow", "name='x'", "type"),
        ("Customer", "firstName='A'", "emails"),
        ("Conversation", "id=1", "threads"),
        ("Conversation", "id=1", "tags"),
    ]:
        case(
            "default %s.%s" % (cls, attr),
            "result = models.%s.from_api(%s).%s" % (cls, kwargs, attr),
        )
    case("default on received v1 customer: type", "result = receive(%r).record.type" % V1_CUSTOMER)
    case(
        "default on received v2 customer: gender absent",
        'result = signed(\'customer.created\', b\'{"id":1,"firstName":"A"}\').record.gender',
    )
    case(
        "to_api of from_api(firstName=...)",
        "result = sorted(k for k, v in models.Customer.from_api(firstName='A').to_api().items()"
        " if v is not None)",
    )
    case(
        "Person(customer_person_type=True).type",
        "result = models.Person(customer_person_type=True).type",
    )
    case("Person().type", "result = models.Person().type")
    case(
        "customer_person_type setter",
        "p = models.Person.from_api(firstName='A', type='customer')\n"
        "p.customer_person_type = False\nresult = p.type",
    )

    # assignment (read-only records gone)
    case(
        "attachment.res_id = 42",
        "a = receive(%r).record.threads[0].attachments[0]\na.res_id = 42\n"
        "a.res_model = 'mail.message'\nresult = (a.res_id, a.res_model)" % V1_CONVO,
    )
    case(
        "record.first_name = ...",
        "r = receive(%r).record\nr.first_name = 'Zed'\nresult = r.first_name" % V1_CUSTOMER,
    )
    case(
        "record['first_name'] = ...",
        "r = receive(%r).record\nr['first_name'] = 'Zed'\nresult = r['first_name']" % V1_CUSTOMER,
    )
    case(
        "assignment shows in to_api",
        "r = receive(%r).record\nr.first_name = 'Zed'\nresult = r.to_api()['firstName']"
        % V1_CUSTOMER,
    )
    case(
        "assignment shows in serialize",
        "r = receive(%r).record\nr.first_name = 'Zed'\nresult = r.serialize()['first_name']"
        % V1_CUSTOMER,
    )
    case(
        "record['unknown'] = ... raises KeyError",
        _raises(V1_CUSTOMER, "r.__setitem__('nope', 1)", "KeyError"),
    )
    case(
        "customer_person_type = True on received customer",
        "r = receive(%r).record\nr.customer_person_type = True\nresult = r.type" % V1_CUSTOMER,
    )

    # hashing and equality
    case("{record: 1}", "r = receive(%r).record\nresult = {r: 1}[r]" % V1_CUSTOMER)
    case("record in set", "r = receive(%r).record\nresult = r in {r}" % V1_CUSTOMER)
    case("hash(record) is int", "result = isinstance(hash(receive(%r).record), int)" % V1_CUSTOMER)
    case(
        "two receives of one body ==",
        "result = receive(%r).record == receive(%r).record" % (V1_CUSTOMER, V1_CUSTOMER),
    )
    case(
        "record.equal(same content)",
        "result = receive(%r).record.equal(receive(%r).record)" % (V1_CUSTOMER, V1_CUSTOMER),
    )
    case("record.equal(itself)", "r = receive(%r).record\nresult = r.equal(r)" % V1_CUSTOMER)

    # methods users call
    case("record.validate() on v1 customer", "result = receive(%r).record.validate()" % V1_CUSTOMER)
    case("record.validate() on v1 rating", "result = receive(%r).record.validate()" % V1_RATING)
    case("record.validate() on v1 convo", "result = receive(%r).record.validate()" % V1_CONVO)
    case(
        "BaseModel.get_non_empty_vals",
        "result = helpscout.BaseModel.get_non_empty_vals({'a': None, 'b': 0, 'c': False})",
    )
    case(
        "record.get_non_empty_vals",
        "result = receive(%r).record.get_non_empty_vals({'a': None, 'b': 1})" % V1_CUSTOMER,
    )
    case(
        "serialize()['__class__']",
        "result = receive(%r).record.serialize()['__class__']" % V1_CUSTOMER,
    )
    case(
        "serialize()['first_name']",
        "result = receive(%r).record.serialize()['first_name']" % V1_CUSTOMER,
    )
    case(
        "serialize()['emails'][0]['value']",
        "result = receive(%r).record.serialize()['emails'][0]['value']" % V1_CUSTOMER,
    )
    case("to_api()['firstName']", "result = receive(%r).record.to_api()['firstName']" % V1_CUSTOMER)
    case(
        "to_api()['emails'][0]['location']",
        "result = receive(%r).record.to_api()['emails'][0]['location']" % V1_CUSTOMER,
    )
    case(
        "to_api() keys of v1 customer", "result = sorted(receive(%r).record.to_api())" % V1_CUSTOMER
    )
    case(
        "Customer.deserialize(serialize())",
        "r = receive(%r).record\nresult = type(models.Customer.deserialize(r.serialize())).__name__"
        % V1_CUSTOMER,
    )
    case("event.to_api() keys", "result = sorted(receive(%r).to_api())" % V1_CUSTOMER)
    case(
        "event.to_api() record",
        "e = receive(%r)\nresult = e.to_api()['record']['firstName']" % V1_CUSTOMER,
    )
    case("event.event_type", "result = receive(%r).event_type" % V1_CUSTOMER)
    case("event.serialize()", "result = sorted(receive(%r).serialize())" % V1_CUSTOMER)
    case(
        "copy.deepcopy(record)",
        "r = receive(%r).record\nresult = copy.deepcopy(r).first_name" % V1_CUSTOMER,
    )
    case(
        "copy.copy(record)",
        "r = receive(%r).record\nresult = copy.copy(r).first_name" % V1_CUSTOMER,
    )
    case(
        "pickle record",
        "r = receive(%r).record\nresult = pickle.loads(pickle.dumps(r)).first_name" % V1_CUSTOMER,
    )

    # class hierarchy
    for sub, base in [
        ("Customer", "Person"),
        ("User", "Person"),
        ("SearchCustomer", "Person"),
        ("Customer", "SearchCustomer"),
        ("Attachment", "AttachmentData"),
        ("Conversation", "BaseConversation"),
        ("SearchConversation", "BaseConversation"),
        ("Mailbox", "MailboxRef"),
    ]:
        case(
            "issubclass(%s, %s)" % (sub, base),
            "result = issubclass(models.%s, models.%s)" % (sub, base),
        )
    for sub in ["Customer", "WebHook", "WebHookEvent"]:
        case(
            "issubclass(%s, BaseModel)" % sub,
            "result = issubclass(models.%s, helpscout.BaseModel)" % sub,
        )

    # v2 conversation and rating read through the original's names
    case("v2 convo record.mailbox.id", "result = receive('convo.created.json').record.mailbox.id")
    case(
        "v2 rating record.mailbox.id",
        "result = receive('satisfaction.ratings.json').record.mailbox.id",
    )
    case("v2 rating value", "result = receive('satisfaction.ratings.json').record.rating")
    case("v2 convo tags[0]", "result = receive('convo.created.json').record.tags[0]")
    case(
        "v2 convo tags are names", "result = [t for t in receive('convo.created.json').record.tags]"
    )

    # tags and colours
    case(
        "Tag.from_api(color='#929499').color", "result = models.Tag.from_api(color='#929499').color"
    )
    case("Tag.from_api(color='none').color", "result = models.Tag.from_api(color='none').color")
    case("Tag.from_api(color='green').color", "result = models.Tag.from_api(color='green').color")

    # bodies json.loads accepts, signed over the bytes as sent
    payload = '{"firstName":"J\\u00f6","lastName":"Ann","gender":"female"}'
    for label, encoding in [
        ("UTF-8 BOM", "utf-8-sig"),
        ("UTF-16", "utf-16"),
        ("UTF-16-LE", "utf-16-le"),
        ("UTF-32", "utf-32"),
    ]:
        case(
            "%s body" % label,
            "result = signed('customer.created', %r.encode(%r)).record.first_name"
            % (payload, encoding),
        )
    case(
        "lone surrogate escape",
        "result = signed('customer.created', b'{\"firstName\":\"a\\\\ud800b\"}').record.first_name",
    )
    # malformed bodies
    for label, data in [
        ("truncated JSON", b'{"firstName":'),
        ("empty body", b""),
        ("not JSON", b"hello"),
    ]:
        case(
            "except json.JSONDecodeError: %s" % label,
            "try:\n    signed('customer.created', %r)\n    result = 'no error'\n"
            "except json.JSONDecodeError as e:\n    result = ('JSONDecodeError', e.pos)" % data,
        )
        case(
            "except ValueError: %s" % label,
            "try:\n    signed('customer.created', %r)\n    result = 'no error'\n"
            "except ValueError:\n    result = 'ValueError'" % data,
        )
    case("JSON array body", "result = type(signed('customer.created', b'[1, 2]').record).__name__")
    case("JSON string body", "result = type(signed('customer.created', b'\"x\"').record).__name__")

    # signatures and receive arguments
    sig_cases = [
        ("validate_signature(str, str)", "hook.validate_signature(sig, data.decode())"),
        ("validate_signature(str, bytes)", "hook.validate_signature(sig, data)"),
        (
            "validate_signature(bytes, bytearray)",
            "hook.validate_signature(sig.encode(), bytearray(data))",
        ),
        ("validate_signature(sig+newline)", "hook.validate_signature('\\n' + sig + '\\n', data)"),
        (
            "validate_signature(wrong)",
            "hook.validate_signature('4+kjl2zB5OwZZjHznSTkD1/J208=', data)",
        ),
        (
            "receive(str body)",
            "type(hook.receive('customer.created', sig, data.decode()).record).__name__",
        ),
        (
            "receive(bytes body)",
            "type(hook.receive('customer.created', sig, data).record).__name__",
        ),
    ]
    for label, expr in sig_cases:
        case(label, "data = body(%r)\nsig = sign(data)\nresult = %s" % (V1_CUSTOMER, expr))
    case(
        "receive bad signature raises HelpScoutSecurityException",
        "from helpscout.exceptions import HelpScoutSecurityException\n"
        "try:\n    hook.receive('customer.created', 'AAAA', body(%r))\n    result = 'no error'\n"
        "except HelpScoutSecurityException as e:\n    result = e.message" % V1_CUSTOMER,
    )
    case(
        "HelpScoutWebHook(secret_key=...).secret_key",
        "result = helpscout.HelpScoutWebHook(secret_key='k').secret_key",
    )
    case(
        "HelpScoutWebHook positional secret (Odoo HelpScoutHook)",
        "result = helpscout.HelpScoutWebHook('k').secret_key",
    )
    case(
        "WebHook(url, secret_key, events)",
        "w = models.WebHook(url='https://example.com/h', secret_key='k', "
        "events=['convo.created'])\n"
        "result = (w.url, w.events)",
    )
    case(
        "WebHookEvent(event_type, record=dict) (Odoo receive)",
        "from helpscout.web_hook import HelpScoutWebHookEvent\n"
        "e = HelpScoutWebHookEvent(event_type='customer.created', record={'firstName': 'A'})\n"
        "result = (type(e.record).__name__, e.record.first_name)",
    )
    case(
        "models.WebHookEvent(event_type, record=Customer)",
        "e = models.WebHookEvent(event_type='customer.created', "
        "record=models.Customer(first_name='A'))\n"
        "result = e.record.first_name",
    )
    case(
        "event_type outside the 12 (convo.custom-fields)",
        "result = type(receive('convo.custom-fields.json').record).__name__",
    )
    case(
        "unknown event prefix",
        "result = type(signed('brandnew.thing', b'{\"id\": 1}').record).__name__",
    )
    case(
        "WebHookEvent(event_type='bogus')",
        "result = models.WebHookEvent(event_type='bogus', record=models.Customer()).event_type",
    )
    case(
        "receive(None event)",
        "data = body(%r)\nresult = type(hook.receive(None, sign(data), data).record).__name__"
        % V1_CUSTOMER,
    )
    case(
        "hook.create() calls helpscout.WebHook.create(hook)",
        "import unittest.mock as mock\nh = helpscout.HelpScoutWebHook(secret_key='k')\n"
        "h.helpscout = mock.MagicMock()\nh.create()\n"
        "result = h.helpscout.WebHook.create.call_args[0][0] is h",
    )
    case(
        "HelpScoutWebHook(url, events, secret_key)",
        "h = helpscout.HelpScoutWebHook(secret_key='k', url='https://x.example', "
        "events=['convo.created'])\nresult = (h.url, h.events)",
    )
    case(
        "exceptions: message and str",
        "from helpscout import exceptions as x\n"
        "result = (x.HelpScoutSecurityException('m').message, "
        "str(x.HelpScoutRemoteException(404, 'nf')), str(x.HelpScoutValidationException('v')))",
    )
    case(
        "nested default: from_api(emails=[{value}]).emails[0].location",
        "result = models.Customer.from_api(emails=[{'value': 'a@example.com'}]).emails[0].location",
    )
    case(
        "v1 convo serialize threads __class__",
        "result = receive(%r).record.serialize()['threads'][0]['__class__']" % V1_CONVO,
    )
    case(
        "v1 convo created_at is naive",
        "result = receive(%r).record.created_at.tzinfo is None" % V1_CONVO,
    )
    case(
        "v1 rating r.customer.emails[0].value",
        "result = receive(%r).record.customer.emails[0].value" % V1_RATING,
    )
    case(
        "v1 convo r.threads[0].customer.type",
        "result = receive(%r).record.threads[0].customer.type" % V1_CONVO,
    )
    case("v1 convo.deleted number", "result = receive(%r).record.number" % V1_DELETED)
    case(
        "Customer(**snake).to_api()",
        "result = models.Customer(first_name='A', gender='male').to_api()['firstName']",
    )
    case("Customer(first_name=...).gender", "result = models.Customer(first_name='A').gender")
    case(
        "record.raw_data (AttachmentData)",
        "result = models.AttachmentData(data='aGk=').raw_data",
    )


def _raises(fixture: str, expr: str, exc: str) -> str:
    return (
        "r = receive(%r).record\ntry:\n    %s\n    result = 'no error'\n"
        "except %s:\n    result = %r" % (fixture, expr, exc, exc)
    )


DELIBERATE: Dict[str, str] = {}
"""Case name -> the docs/migrating.md row that explains the difference (filled below)."""


def _deliberate() -> None:
    rows = {
        "Deleted record": [
            "receive convo.deleted.json",
            "receive v1/convo.deleted.json",
            "v1 convo.deleted record class",
            "v1 convo.deleted status",
            "v1 convo.deleted number",
        ],
        "to_api() is the JSON as received": [
            "to_api of from_api(firstName=...)",
            "to_api() keys of v1 customer",
        ],
        "Tag colours": [
            "Tag.from_api(color='#929499').color",
            "Tag.from_api(color='none').color",
            "Tag.from_api(color='green').color",
        ],
        "Fields the original declared but never filled": [
            "v1 convo r.threads[0].attachments[0].file_name",
            "v1 convo r.created_by_type",
            "v1 customer r.email",
        ],
        "== compares content": ["two receives of one body =="],
        "class hierarchy": [
            "issubclass(Customer, Person)",
            "issubclass(User, Person)",
            "issubclass(SearchCustomer, Person)",
            "issubclass(Customer, SearchCustomer)",
            "issubclass(Attachment, AttachmentData)",
            "issubclass(Conversation, BaseConversation)",
            "issubclass(SearchConversation, BaseConversation)",
            "issubclass(Mailbox, MailboxRef)",
        ],
        "properties API: Model.deserialize(), _props, AttachmentData.raw_data": [
            "Customer.deserialize(serialize())",
            "record.raw_data (AttachmentData)",
        ],
        "event.to_api()": ["event.to_api() keys"],
        "record['unknown'] = 1": ["record['unknown'] = ... raises KeyError"],
        "WebHook and WebHookEvent are not records": [
            "issubclass(WebHook, BaseModel)",
            "issubclass(WebHookEvent, BaseModel)",
        ],
    }
    for row, names in rows.items():
        for name in names:
            DELIBERATE[name] = row


# --------------------------------------------------------------------------------------------
# The worker: runs every case in this interpreter and prints one JSON line per case.
# --------------------------------------------------------------------------------------------


def _norm(value: Any, depth: int = 0) -> Any:
    """A JSON-safe form both packages can be compared on."""
    if depth > 6:
        return "<deep>"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return "bytes:" + bytes(value).decode("latin-1")
    if isinstance(value, (list, tuple)):
        return [_norm(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_norm(v, depth + 1)) for v in value)
    if isinstance(value, dict):
        return {str(k): _norm(v, depth + 1) for k, v in value.items()}
    if isinstance(value, type):
        return "<class %s>" % value.__name__
    if hasattr(value, "to_api"):
        return "<record %s>" % type(value).__name__
    return "<%s>" % type(value).__name__


def _worker(fixtures: pathlib.Path) -> None:
    import copy
    import pickle

    import helpscout
    import helpscout.models as models

    manifest = json.loads((fixtures / "manifest.json").read_bytes())
    secret = manifest["secret"]
    entries = {f["file"]: f for f in manifest["fixtures"]}
    hook = helpscout.HelpScoutWebHook(secret_key=secret)

    def body(name: str) -> bytes:
        return (fixtures / name).read_bytes()

    def sign(data: bytes) -> str:
        return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha1).digest()).decode()

    def receive(name: str, event: Optional[str] = None) -> Any:
        entry = entries[name]
        return hook.receive(event or entry["event"], entry["signature"], body(name))

    def signed(event: str, data: bytes) -> Any:
        return hook.receive(event, sign(data), data)

    _cases()
    for name, code in CASES:
        namespace = {
            "json": json,
            "copy": copy,
            "pickle": pickle,
            "datetime": datetime,
            "helpscout": helpscout,
            "models": models,
            "hook": hook,
            "receive": receive,
            "signed": signed,
            "body": body,
            "sign": sign,
        }
        try:
            exec(code, namespace)
            out: Dict[str, Any] = {"case": name, "ok": True, "value": _norm(namespace["result"])}
        except Exception as error:
            out = {
                "case": name,
                "ok": False,
                "error": type(error).__name__,
                "message": str(error).splitlines()[0][:160] if str(error) else "",
            }
        print(json.dumps(out, ensure_ascii=True), flush=True)


# --------------------------------------------------------------------------------------------
# The driver.
# --------------------------------------------------------------------------------------------


def _base_python() -> str:
    pyenv = pathlib.Path.home() / ".pyenv" / "versions"
    for prefix in ("3.9.", "3.11."):
        found = sorted(pyenv.glob(prefix + "*/bin/python")) if pyenv.is_dir() else []
        if found:
            return str(found[-1])
    return sys.executable


def original_python() -> pathlib.Path:
    """The original's virtualenv interpreter, created on first use."""
    python = ORIGINAL_VENV / "bin" / "python"
    check = [str(python), "-c", "import helpscout.base_api, helpscout.web_hook"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    base = _base_python()
    print(
        "creating %s from %s with %s ..." % (ORIGINAL_VENV, base, ORIGINAL_REQUIREMENTS),
        file=sys.stderr,
    )
    if base == sys.executable:
        venv.create(ORIGINAL_VENV, with_pip=True, clear=True)
    else:
        subprocess.run([base, "-m", "venv", "--clear", str(ORIGINAL_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *ORIGINAL_REQUIREMENTS], check=True)
    subprocess.run(check, check=True)
    return python


def run_worker(python: str, fixtures: pathlib.Path) -> Dict[str, Dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run(
        [python, "-W", "ignore", str(pathlib.Path(__file__).resolve()), "--worker", str(fixtures)],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(ROOT / "tests"),
        timeout=CASE_TIMEOUT_S,
    )
    if proc.returncode != 0:
        raise SystemExit("worker %s failed:\n%s" % (python, proc.stderr[-3000:]))
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            results[row["case"]] = row
    return results


def _show(row: Dict[str, Any]) -> str:
    if row["ok"]:
        text = json.dumps(row["value"], ensure_ascii=True)
    else:
        text = "%s: %s" % (row["error"], row["message"])
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 70 else text[:67] + "..."


def compare(show_all: bool = False) -> int:
    fixtures = fixtures_dir()
    ours = run_worker(sys.executable, fixtures)
    original = run_worker(str(original_python()), fixtures)
    _deliberate()
    counts = {"same": 0, "improved": 0, "both raise": 0, "deliberate": 0, "UNLISTED": 0}
    lines = ["| case | 0.1.3 | this package | status |", "|---|---|---|---|"]
    for name in [n for n, _ in CASES]:
        old, new = original[name], ours[name]
        if old["ok"] and new["ok"] and old["value"] == new["value"]:
            status = "same"
        elif not old["ok"] and not new["ok"]:
            status = "both raise"
        elif not old["ok"]:
            status = "improved"
        elif name in DELIBERATE:
            status = "deliberate"
        else:
            status = "UNLISTED"
        counts[status] += 1
        if show_all or status in ("deliberate", "UNLISTED"):
            note = "deliberate: " + DELIBERATE[name] if status == "deliberate" else status
            lines.append("| %s | %s | %s | %s |" % (name, _show(old), _show(new), note))
    print("\n".join(lines))
    print()
    print(", ".join("%s %d" % (k, v) for k, v in counts.items()), "of", len(CASES), "cases")
    return 1 if counts["UNLISTED"] else 0


def main(argv: List[str]) -> int:
    if argv[:1] == ["--worker"]:
        _worker(pathlib.Path(argv[1]))
        return 0
    _cases()
    return compare(show_all="--all" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
