"""Realistic sample bodies for every catalogued event, written for this package.

They follow the documented Help Scout objects and are serialized the way Help Scout's PHP
backend does it (non-ASCII as ``\\uXXXX``, ``/`` as ``\\/``), so that anything testing an
endpoint with them also tests that the raw body, not a re-serialized one, is verified.
All data is synthetic (``example`` domains).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List

from .events import EVENTS

__all__ = ["dumps", "sample", "sample_dict"]

_API = "https://api.helpscout.net/v2"
_NOW = "2026-11-27T09:30:00Z"


def _person(pid: int, kind: str, first: str, last: str, email: str) -> Dict[str, Any]:
    return {"id": pid, "type": kind, "first": first, "last": last, "email": email}


_CUSTOMER_REF = _person(700100200, "customer", "Inès", "Lefèvre", "ines.lefevre@example.com")
_AGENT = _person(4100, "user", "Sam", "Okafor", "sam.okafor@support.example")


def _thread(tid: int, kind: str, body: str, by: Dict[str, Any], minutes: int) -> Dict[str, Any]:
    return {
        "id": tid,
        "type": kind,
        "status": "active",
        "state": "published",
        "body": body,
        "source": {"type": "email", "via": "customer" if by["type"] == "customer" else "user"},
        "customer": {k: _CUSTOMER_REF[k] for k in ("id", "first", "last", "email")},
        "createdBy": by,
        "to": [],
        "cc": [],
        "bcc": [],
        "createdAt": f"2026-11-27T09:{minutes:02d}:00Z",
        "_embedded": {"attachments": []},
        "_links": {"customer": {"href": f"{_API}/customers/{_CUSTOMER_REF['id']}"}},
    }


def _conversation(event: str) -> Dict[str, Any]:
    threads = [
        _thread(
            9100000003,
            "note",
            "<p>Refund approved — see ticket #4411.</p>",
            _AGENT,
            25,
        ),
        _thread(
            9100000002,
            "message",
            "<p>Bonjour Inès, we are looking into the double charge. 🙏</p>",
            _AGENT,
            20,
        ),
        _thread(
            9100000001,
            "customer",
            "<p>I was charged twice for order #4411 (€49.00).</p>",
            _CUSTOMER_REF,
            10,
        ),
    ]
    if event == "convo.created":
        threads = threads[2:]
    status = {"convo.status": "closed"}.get(event, "active")
    body: Dict[str, Any] = {
        "id": 3381000001,
        "number": 4411,
        "threads": len(threads),
        "type": "chat" if event == "convo.ai-answers.created" else "email",
        "folderId": 1500001,
        "status": status,
        "state": "published",
        "subject": "Charged twice for order #4411",
        "preview": "I was charged twice for order #4411 (€49.00).",
        "mailboxId": 210001,
        "createdBy": {
            "id": _CUSTOMER_REF["id"],
            "type": "customer",
            "email": _CUSTOMER_REF["email"],
        },
        "createdAt": "2026-11-27T09:10:00Z",
        "userUpdatedAt": "2026-11-27T09:25:00Z",
        "customerWaitingSince": {"time": "2026-11-27T09:10:00Z", "friendly": "20 min ago"},
        "source": {"type": "email", "via": "customer"},
        "tags": [
            {"id": 5001, "color": "#929499", "tag": "billing"},
            {"id": 5002, "color": "#d55e00", "tag": "refund"},
        ],
        "cc": [],
        "bcc": [],
        "primaryCustomer": dict(_CUSTOMER_REF, photoUrl="https://avatars.example.com/ines.png"),
        "customFields": [{"id": 801, "name": "Plan", "value": "3", "text": "Équipe"}],
        "_embedded": {"threads": threads},
        "_links": {
            "self": {"href": f"{_API}/conversations/3381000001"},
            "mailbox": {"href": f"{_API}/mailboxes/210001"},
            "web": {"href": "https://secure.helpscout.net/conversation/3381000001/4411/"},
        },
    }
    if event != "convo.created":
        body["assignee"] = _AGENT
    if status == "closed":
        body["closedBy"] = _AGENT["id"]
        body["closedByUser"] = dict(_AGENT)
        body["closedAt"] = "2026-11-27T09:28:00Z"
    return body


def _customer(event: str) -> Dict[str, Any]:
    return {
        "id": _CUSTOMER_REF["id"],
        "firstName": "Inès",
        "lastName": "Lefèvre",
        "gender": "Unknown",
        "jobTitle": "Responsable achats",
        "location": "Lyon, France",
        "organization": "Atelier Lumière",
        "photoType": "default",
        "photoUrl": "https://avatars.example.com/ines.png",
        "createdAt": "2026-11-20T14:00:00Z",
        "updatedAt": _NOW,
        "background": "Prefers French; VIP since 2024.",
        "draft": False,
        "_embedded": {
            "emails": [{"id": 1, "value": _CUSTOMER_REF["email"], "type": "work"}],
            "phones": [{"id": 2, "value": "+33 4 00 00 00 00", "type": "work"}],
            "chats": [],
            "social_profiles": [],
            "websites": [{"id": 3, "value": "https://atelier-lumiere.example"}],
            "properties": [],
            "address": {
                "city": "Lyon",
                "state": "ARA",
                "postalCode": "69002",
                "country": "FR",
                "lines": ["12 quai Saint-Antoine"],
            },
        },
        "_links": {"self": {"href": f"{_API}/customers/{_CUSTOMER_REF['id']}"}},
    }


def _rating(event: str) -> Dict[str, Any]:
    return {
        "id": 88001,
        "customer": {
            "id": _CUSTOMER_REF["id"],
            "email": _CUSTOMER_REF["email"],
            "firstName": "Inès",
            "lastName": "Lefèvre",
        },
        "threadId": 9100000002,
        "conversationId": 3381000001,
        "conversationNumber": 4411,
        "mailboxId": 210001,
        "rating": "great",
        "user": {
            "id": _AGENT["id"],
            "email": _AGENT["email"],
            "firstName": "Sam",
            "lastName": "Okafor",
        },
        "comments": "Merci, très rapide !",
        "createdAt": "2026-11-27T09:40:00",
        "modifiedAt": "2026-11-27T09:40:00",
    }


def _chat(event: str) -> Dict[str, Any]:
    events: List[Dict[str, Any]] = [
        {
            "id": "e1",
            "type": "message",
            "action": "message-added",
            "body": "Hello! Can I switch to yearly billing?",
            "author": dict(_CUSTOMER_REF),
            "createdAt": "2026-11-27T09:30:01.120000Z",
        },
    ]
    if event in ("beacon.chat.agent.replied", "beacon.chat.assigned"):
        events.append(
            {
                "id": "e2",
                "type": "message",
                "action": "message-added",
                "body": "Yes — I can do that for you.",
                "author": dict(_AGENT, type="agent"),
                "createdAt": "2026-11-27T09:31:10.500000Z",
            }
        )
    return {
        "id": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "beaconId": "9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
        "mailboxId": 210001,
        "createdAt": "2026-11-27T09:30:00.982028Z",
        "assignee": dict(_AGENT, type="agent"),
        "customer": dict(_CUSTOMER_REF),
        "preview": events[-1]["body"],
        "customFields": [],
        "tags": [{"id": 5001, "slug": "billing", "color": "grey"}],
        "timeline": [
            {
                "type": "page-viewed",
                "timestamp": "2026-11-27T09:29:40Z",
                "url": "https://example.com/pricing",
                "title": "Pricing",
            }
        ],
        "_embedded": {"events": events},
    }


def _tag(event: str) -> Dict[str, Any]:
    tag = {
        "id": 5003,
        "slug": "follow-up",
        "name": "follow-up",
        "color": "green",
        "createdAt": "2026-11-27T09:00:00Z",
        "ticketCount": 0,
    }
    if event == "tag.updated":
        tag.update(name="follow-up/urgent", slug="follow-up-urgent", updatedAt=_NOW, ticketCount=4)
    return tag


def _organization(event: str) -> Dict[str, Any]:
    return {
        "id": 42001,
        "name": "Atelier Lumière",
        "website": "https://atelier-lumiere.example",
        "description": "Lighting design studio",
        "location": "Lyon, France",
        "domains": ["atelier-lumiere.example"],
        "phones": ["+33 4 00 00 00 00"],
        "brandColor": "#f5a623",
        "_links": {"self": {"href": f"{_API}/organizations/42001"}},
    }


def _user_status(event: str) -> Dict[str, Any]:
    return {
        "userId": _AGENT["id"],
        "email": {"status": "away", "updatedAt": _NOW, "performedBy": _AGENT["id"], "source": "ui"},
        "chat": {"status": "available", "mailboxStatuses": {"210001": "available"}},
        "_links": {"self": {"href": f"{_API}/users/{_AGENT['id']}/status"}},
    }


def _survey(event: str) -> Dict[str, Any]:
    return {
        "message": {"name": "Quarterly NPS"},
        "response": {
            "value": "9",
            "category": "promoter",
            "comment": "Super service 👍",
            "timestamp": _NOW,
        },
        "_embedded": {"customer": _customer("customer.updated")},
        "_links": {"message:dashboard": {"href": "https://secure.helpscout.net/messages/7/"}},
    }


def _deleted(event: str) -> Dict[str, Any]:
    ids = {"convo.deleted": 3381000001, "customer.deleted": 700100200, "tag.deleted": 5003}
    return {"id": ids.get(event, 42001)}


def _ping(event: str) -> Dict[str, Any]:
    return {"id": 123}


_BUILDERS: Dict[str, Callable[[str], Dict[str, Any]]] = {
    "Conversation": _conversation,
    "Customer": _customer,
    "Rating": _rating,
    "BeaconChat": _chat,
    "Tag": _tag,
    "Organization": _organization,
    "UserStatus": _user_status,
    "SurveyResponse": _survey,
    "Deleted": _deleted,
    "Ping": _ping,
}


def sample_dict(event: str) -> Dict[str, Any]:
    """The sample body of ``event`` as a dict."""
    info = EVENTS.get(event)
    if info is None:
        raise ValueError(
            f"no sample for unknown event {event!r}; known events: {', '.join(EVENTS)}"
        )
    return _BUILDERS[info.record_class](event)


def dumps(body: Dict[str, Any]) -> bytes:
    """Serialize like Help Scout: compact, ASCII-only with ``\\uXXXX``, ``/`` as ``\\/``."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def sample(event: str) -> bytes:
    """The sample body of ``event`` exactly as Help Scout would send it."""
    return dumps(sample_dict(event))
