"""Typed records: attribute names, the original's names on v2 payloads, timestamps, unknown
fields and values, construction, equality, pickling and repr."""

import datetime
import json
import pickle
import random
import re

import pytest

from helpscout import HelpScoutWebHook, _core
from helpscout.exceptions import HelpScoutValidationException
from helpscout.models import (
    Address,
    Attachment,
    BeaconChat,
    Conversation,
    Customer,
    Deleted,
    Email,
    Embedded,
    Field,
    MailboxRef,
    Person,
    Rating,
    Record,
    SocialProfile,
    Source,
    Tag,
    Thread,
    UserStatus,
)
from helpscout.web_hook import HelpScoutWebHookEvent, WebHookEvent

from .conftest import SECRET, fixture_bytes, receive


def sign(body: bytes) -> str:
    return HelpScoutWebHook(secret_key=SECRET).sign(body)


def test_v2_conversation_fields_and_original_names(hook):
    c = receive(hook, "convo.merged.json").record
    assert isinstance(c, Conversation)
    assert c.id == 2450311987 and c.number == 48213
    assert c.subject.startswith("Refund for order #48213")
    assert c.created_at == datetime.datetime(2026, 3, 4, 8, 12, 47)
    assert c.created_at.tzinfo is None
    # original names mapped onto v2 keys
    assert isinstance(c.customer, Person) and c.customer == c.primary_customer
    assert c.customer.first_name == c.customer.first == "Zoë"
    assert c.owner == c.assignee
    assert [type(t) for t in c.threads] == [Thread] * 6
    assert c.threads == c._embedded.threads
    assert isinstance(c._embedded, Embedded)
    assert c.thread_count == c.to_api()["threads"] == 4
    assert c.modified_at == c.user_modified_at == c.user_updated_at
    assert c.is_draft is False and c.draft is False
    assert c.created_by_type == c.created_by.type
    assert all(isinstance(t, Tag) for t in c.tags) and c.tags[0].tag == "vip"
    assert isinstance(c.custom_fields[0], Field)
    assert c.custom_fields[0].label == c.custom_fields[0].text
    assert isinstance(c.source, Source)
    # declared but absent fields read as None, like the original
    assert c.closed_at is None and c.spam is None
    # thread details
    line, cust = c.threads[0], c.threads[1]
    assert line.action_type == line.action.type
    assert cust.created_by_customer is True and line.created_by_customer is False
    assert cust.body.startswith("<div>")
    assert line.body is None


def test_v1_conversation_reads_with_the_same_class(hook):
    event = receive(hook, "v1/convo.created.json")
    c = event.record
    assert event.payload_version == "v1"
    assert isinstance(c.mailbox, MailboxRef) and c.mailbox.id == 210334
    assert isinstance(c.customer, Person) and c.customer.first_name == "Zoë"
    assert c.owner is None
    assert c.tags == ["vip", "billing", "double-charge"]
    assert c.thread_count == 1 and isinstance(c.threads[0], Thread)
    assert isinstance(c.threads[0].attachments[0], Attachment)
    assert c.threads[0].attachments[0].file_name == "statement-march.pdf"
    assert c.is_draft is False
    assert c.closed_by is None


def test_v2_customer_embedded_collections(hook):
    cu = receive(hook, "customer.updated.json").record
    assert isinstance(cu, Customer)
    assert [type(e) for e in cu.emails] == [Email, Email]
    assert cu.email == cu.emails[0].value
    assert cu.emails[0].location == cu.emails[0].type
    assert isinstance(cu.address, Address) and cu.address.lines == [
        "Kungsportsavenyen 12",
        "Våning 3",
    ]
    assert all(isinstance(s, SocialProfile) for s in cu.social_profiles)
    assert cu.modified_at == cu.updated_at
    assert cu.photo_type == "default"  # a value the original rejected
    # HAL rel names with '-' become identifiers
    assert cu._links.social_profiles.href.endswith("/")
    assert cu._links["social-profiles"] == cu._links.social_profiles


def test_v1_customer_flat_collections(hook):
    cu = receive(hook, "v1/customer.created.json").record
    assert cu.email == "jose.mp@correo.example.es"
    assert cu.emails[0].location == "work"
    assert cu.address.modified_at == datetime.datetime(2026, 3, 6, 14, 3, 11)


def test_rating_without_zone_and_v1_rating(hook):
    r = receive(hook, "satisfaction.ratings.json").record
    assert isinstance(r, Rating) and isinstance(r.customer, Customer)
    assert isinstance(r.created_at, datetime.datetime)
    raw = r.to_api()["createdAt"]
    assert not raw.endswith("Z")
    assert r.created_at == datetime.datetime.fromisoformat(raw)
    assert r.ticket_id == r.conversation_id
    v1 = receive(hook, "v1/satisfaction.ratings.json").record
    assert v1.rating == "Great" and isinstance(v1.mailbox, MailboxRef)


def test_chat_user_status_and_survey(hook):
    chat = receive(hook, "beacon.chat.customer.replied.json").record
    assert isinstance(chat, BeaconChat)
    assert re.fullmatch(r"[0-9a-f-]{36}", chat.id)
    assert chat.created_at.microsecond != 0  # µs timestamps kept
    assert chat.events == chat._embedded.events and len(chat.events) == 3
    status = receive(hook, "user.status.changed.json").record
    assert isinstance(status, UserStatus)
    assert status.chat.mailbox_statuses["210334"]  # string keys kept as keys
    survey = receive(hook, "message.survey.response.received.json").record
    assert isinstance(survey.customer, Customer)
    assert survey.response.value == survey.to_api()["response"]["value"]
    assert (
        survey._links.message_dashboard.href
        == survey.to_api()["_links"]["message:dashboard"]["href"]
    )


def test_deletes_and_test_event(hook):
    event = receive(hook, "convo.deleted.json")
    assert isinstance(event.record, Deleted)
    assert event.record.id == json.loads(event.record.to_json())["id"]
    assert event.deleted_resource == "conversation"
    ping = receive(hook, "helpscout.test.json")
    assert ping.is_test and ping.record.id == 123


def test_unknown_field_and_value_are_kept():
    body = json.dumps(
        {
            "id": 9_007_199_254_740_993,
            "status": "brand-new-status",
            "subject": "x",
            "sparkleFactor": {"level": 3, "seenAt": "2026-01-01T00:00:00Z"},
            "hugeNumber": 123456789012345678901234567890,
            "ratio": 0.1,
            "type": "hologram",
        }
    ).encode()
    event = HelpScoutWebHook(secret_key=SECRET).receive("convo.created", sign(body), body)
    c = event.record
    assert c.id == 9_007_199_254_740_993
    assert c.status == "brand-new-status" and c.type == "hologram"
    assert c.sparkle_factor.level == 3 and isinstance(c.sparkle_factor, Record)
    assert c.sparkle_factor.seen_at == datetime.datetime(2026, 1, 1)
    assert c.huge_number == 123456789012345678901234567890
    assert c.ratio == 0.1
    assert c["sparkle_factor"] == c.sparkle_factor
    assert c["sparkleFactor"] == c.sparkle_factor
    assert c.to_api() == json.loads(body)
    assert "sparkle_factor" in c.keys() and "sparkle_factor" in dir(c)


def test_unknown_event_is_received_as_a_generic_record():
    body = b'{"id": 5, "whatever": [1, 2]}'
    event = HelpScoutWebHook(secret_key=SECRET).receive("brand.new.event", sign(body), body)
    assert type(event.record) is Record
    assert event.is_known is False and event.description is None
    assert event.record.whatever == [1, 2]
    family = HelpScoutWebHook(secret_key=SECRET).receive("convo.snoozed", sign(body), body)
    assert type(family.record) is Conversation


def test_missing_event_header_still_receives():
    body = b'{"id": 5}'
    event = HelpScoutWebHook(secret_key=SECRET).receive(None, sign(body), body)
    assert event.event_type is None and type(event.record) is Record


def test_unknown_attribute_raises_and_get_and_getitem():
    c = Conversation.from_api(id=1, subject="s")
    with pytest.raises(AttributeError):
        c.definitely_not_a_field  # noqa: B018
    with pytest.raises(KeyError, match='The field "nope" does not exist on "Conversation"'):
        c["nope"]
    assert c.get("nope") is None and c.get("nope", 7) == 7
    assert c.get("subject") == "s"
    assert c.get("closed_at", "default") is None  # declared field: None, as the original
    assert "subject" in c and "nope" not in c


def test_records_take_assignment_and_to_api_reflects_it():
    c = Conversation.from_api(id=1, subject="old", threads=2)
    c.subject = "changed"
    c["res_id"] = 42
    c.user_modified_at = datetime.datetime(2020, 1, 2, 3, 4, 5)
    assert c.subject == "changed" and c.res_id == 42 and c["res_id"] == 42
    api = c.to_api()
    assert api["subject"] == "changed" and api["res_id"] == 42 and api["threads"] == 2
    assert api["userUpdatedAt"] == "2020-01-02T03:04:05Z"
    assert c.serialize()["subject"] == "changed"
    assert "res_id" in c and "res_id" in c.keys()
    # the body itself never changes, and methods cannot be replaced
    assert c.to_json() != Conversation.from_api(id=1, subject="old", threads=2).to_json()
    with pytest.raises(AttributeError, match="method"):
        c.to_api = None
    del c.res_id
    assert "res_id" not in c.to_api()
    del c.subject  # the assignment goes; the payload's value shows again
    assert c.subject == "old" and c.to_api()["subject"] == "old"
    with pytest.raises(AttributeError, match="only assigned"):
        del c.subject  # from the payload: only assignments can be deleted


def test_an_assigned_field_is_one_field_under_every_spelling():
    r = Customer.from_api(id=1, firstName="Ann")
    assert r["firstName"] == "Ann"  # read (and cached) under the API name first
    r.first_name = "Zoe"
    assert r.first_name == r["firstName"] == r["first_name"] == r.get("firstName") == "Zoe"
    r["firstName"] = "Q"
    assert r.first_name == "Q" and r.to_api()["firstName"] == "Q"
    assert r.keys().count("first_name") == 1
    del r["firstName"]
    assert r.first_name == r["firstName"] == "Ann"
    # an unknown field is written to to_api() as it was spelled
    r["resId"] = 7
    r.res_model = "x"
    assert r.res_id == 7 and r.to_api()["resId"] == 7 and r.to_api()["res_model"] == "x"


def test_construction_from_snake_case_and_api_form():
    a = Customer(first_name="Test", last_name="Dude", gender="male", type="customer")
    b = Customer.from_api(firstName="Test", lastName="Dude", gender="male", type="customer")
    assert a == b and a.to_api() == b.to_api()
    assert a.to_api() == {
        "firstName": "Test",
        "lastName": "Dude",
        "gender": "male",
        "type": "customer",
    }
    nested = Customer(
        emails=[Email(value="a@b.example", location="work")],
        address={"postal_code": "123", "city": "X"},
        created_at=datetime.datetime(2020, 1, 2, 3, 4, 5),
    )
    assert nested.emails[0].value == "a@b.example"
    assert nested.address.postal_code == "123"
    assert nested.to_api()["address"] == {"postalCode": "123", "city": "X"}
    assert nested.created_at == datetime.datetime(2020, 1, 2, 3, 4, 5)
    aware = Customer(
        created_at=datetime.datetime(
            2020, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        )
    )
    assert aware.to_api()["createdAt"] == "2020-01-02T03:04:05Z"
    assert Customer(created_at=datetime.date(2020, 1, 2)).to_api()["createdAt"] == "2020-01-02"


def test_construction_rejects_unconvertible_values():

    with pytest.raises(
        HelpScoutValidationException, match=r"Customer\.first_name: a value of type object"
    ):
        Customer(first_name=object())
    with pytest.raises(HelpScoutValidationException, match="not a finite number"):
        Customer(age=float("nan"))


def test_web_hook_event_from_dict_or_record():
    e = HelpScoutWebHookEvent(
        event_type="satisfaction.ratings", record={"id": 1, "rating": "great"}
    )
    assert isinstance(e.record, Rating) and e.record.rating == "great"
    r = Rating.from_api(id=2)
    assert WebHookEvent(event_type="satisfaction.ratings", record=r).record is r
    from helpscout.exceptions import HelpScoutValidationException

    with pytest.raises(HelpScoutValidationException, match="needs a record"):
        WebHookEvent(event_type="convo.created")
    with pytest.raises(HelpScoutValidationException, match="not list"):
        WebHookEvent(event_type="convo.created", record=[1])


def test_pickle_round_trip_records_and_events(hook):
    event = receive(hook, "convo.tags.json")
    again = pickle.loads(pickle.dumps(event))
    assert again == event
    assert again.record.threads[0] == event.record.threads[0]
    thread = pickle.loads(pickle.dumps(event.record.threads[1]))
    assert isinstance(thread, Thread) and thread.created_by == event.record.threads[1].created_by
    embedded = pickle.loads(pickle.dumps(event.record._embedded))
    assert all(isinstance(t, Thread) for t in embedded.threads)


def test_equality_and_hash():
    a = Tag.from_api(id=1, name="x")
    assert a == Tag.from_api(id=1, name="x")
    assert a != Tag.from_api(id=1, name="y")
    assert a != Field.from_api(id=1, name="x")
    assert a != {"id": 1, "name": "x"}
    # hashable by value, consistently with ==
    assert hash(a) == hash(Tag.from_api(name="x", id=1.0))
    assert {a: 1}[Tag.from_api(id=1, name="x")] == 1
    assert len({a, Tag.from_api(id=1, name="x"), Tag.from_api(id=2, name="x")}) == 2
    b = Tag.from_api(id=1, name="y")
    b.name = "x"
    assert a == b and hash(a) == hash(b)


def test_short_repr(hook):
    c = receive(hook, "convo.merged.json").record
    text = repr(c)
    assert text.startswith("Conversation(id=2450311987, number=48213, subject='Refund for order")
    assert len(text) < 120
    assert repr(Record.from_api(id=3, x=1)) == "Record(id=3)"
    assert repr(Deleted.from_api(id=4)) == "Deleted(id=4)"
    event = receive(hook, "tag.created.json")
    assert (
        repr(event)
        == "WebHookEvent(event_type=\"tag.created\", record=Tag(id=17001, tag='escalated-🔥'))"
    )


def test_serialize_matches_the_original_form():
    c = Customer.from_api(
        firstName="A",
        createdAt="2017-01-02T03:04:05Z",
        emails=[{"id": 1, "value": "a@b.c", "location": "work"}],
    )
    assert c.serialize() == {
        "first_name": "A",
        "created_at": "2017-01-02T03:04:05Z",
        "emails": [{"id": 1, "value": "a@b.c", "location": "work", "__class__": "Email"}],
        "__class__": "Customer",
    }


def _original_snake(string):
    first = re.compile(r"(.)([A-Z][a-z]+)")
    second = re.compile(r"([a-z0-9])([A-Z])")
    return second.sub(r"\1_\2", first.sub(r"\1_\2", string)).lower()


def test_snake_case_is_the_original_rule_on_random_keys():
    rng = random.Random(7)
    alphabet = "aAbBcCzZ09_xyXY"
    for _ in range(3000):
        key = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
        assert _core.to_snake_case(key) == _original_snake(key), key


def test_timestamp_strings_that_do_not_parse_stay_strings():
    r = Record.from_api(createdAt="sometime", updatedAt="2020-01-15", time=5)
    assert r.created_at == "sometime" and r.updated_at == "2020-01-15" and r.time == 5


def test_keys_starting_with_double_underscore_are_reachable():
    r = Record.from_api(**{"__meta": {"x": 1}, "__class__": "not the class"})
    assert getattr(r, "__meta").x == 1
    assert r.__class__ is Record  # Python's own names win
    assert r["__class__"] == "not the class"  # the payload's key is still an item
    with pytest.raises(AttributeError):
        getattr(r, "__nothing_here")


def test_dedupe_key_is_stable_and_sensitive(hook):
    import hashlib

    body = fixture_bytes("convo.tags.json")
    sig = HelpScoutWebHook(secret_key=SECRET).sign(body)
    a = hook.receive("convo.tags", sig, body)
    b = hook.receive("convo.tags", sig, body)
    assert a.dedupe_key == b.dedupe_key == hashlib.sha256(b"convo.tags\n" + body).hexdigest()
    changed = body.replace(b"48213", b"48214", 1)
    c = hook.receive("convo.tags", HelpScoutWebHook(secret_key=SECRET).sign(changed), changed)
    assert c.dedupe_key != a.dedupe_key
    assert hook.receive("convo.merged", sig, body).dedupe_key != a.dedupe_key


def test_html_repr_for_notebooks():
    r = Customer.from_api(id=1, firstName="<b>Zoë</b>", emails=[{"value": "a@b.example"}])
    html = r._repr_html_()
    assert html.startswith("<table><caption") and "<b>Customer</b>, 4 field(s)" in html
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in html and "<b>Zoë</b>" not in html
    assert ">first_name<" in html and ">emails<" in html and ">email<" in html


class _Holder:
    """A plain object that a handler hangs on a record (and that holds the record back)."""


def _collected(make_cycle):
    """Build a reference cycle through records with ``make_cycle(holder)``, drop every
    outside reference, and say whether the garbage collector freed it."""
    import gc
    import weakref

    holder = _Holder()
    make_cycle(holder)
    gone = weakref.ref(holder)
    del holder
    gc.collect()
    return gone() is None


def test_reference_cycles_through_records_and_events_are_collected():
    # A handler that keeps context on a record (`record.ctx = ctx`, where ctx refers back to
    # the record or its event) makes a cycle; records and events must show the garbage
    # collector what they hold, or a long-running server leaks every such delivery.
    def assigned_attribute(h):
        record = Customer(first_name="Ada")
        record.ctx = h
        h.record = record

    def assigned_item_in_a_list(h):
        record = Customer(first_name="Ada")
        record["tags"] = [h]
        h.record = record

    def through_the_event(h):
        event = receive(HelpScoutWebHook(secret_key=SECRET), "customer.created.json")
        event.record.ctx = h
        h.event = event

    def through_a_cached_nested_record(h):
        event = receive(HelpScoutWebHook(secret_key=SECRET), "customer.created.json")
        nested = event.record.emails[0]  # cached on the customer
        nested.owner = h
        h.root = event.record

    def through_a_list_read_first(h):
        # The first value a record converts is kept outside its dict (a slot of its own).
        event = receive(HelpScoutWebHook(secret_key=SECRET), "customer.created.json")
        event.record.emails.append(h)
        h.root = event.record

    def through_a_record_built_by_an_event(h):
        event = WebHookEvent("customer.created", {"firstName": "Ada"})
        event.record.ctx = h
        h.event = event

    for make_cycle in (
        assigned_attribute,
        assigned_item_in_a_list,
        through_the_event,
        through_a_cached_nested_record,
        through_a_list_read_first,
        through_a_record_built_by_an_event,
    ):
        assert _collected(make_cycle), make_cycle.__name__


def test_the_first_value_read_behaves_as_every_other_cached_value():
    # A record keeps its first converted value in a slot of its own, the others in a dict;
    # reading, re-reading under another spelling, assigning and deleting are the same for
    # both.
    def fresh():
        return receive(HelpScoutWebHook(secret_key=SECRET), "customer.created.json").record

    for first, second in (("first_name", "last_name"), ("last_name", "first_name")):
        record = fresh()
        a, b = getattr(record, first), getattr(record, second)
        assert getattr(record, first) is a and getattr(record, second) is b
        assert record[first] is a  # the same `str` text: the same cached object
        setattr(record, first, "Zed")
        assert getattr(record, first) == "Zed" and getattr(record, second) is b
        assert record.to_api()[_core.to_camel_case(first)] == "Zed"
        delattr(record, first)
        assert getattr(record, first) == a

    def emails_of(api):  # v2 keeps them under _embedded
        return api["_embedded"]["emails"]

    record = fresh()
    emails = record["emails"]  # the first read, as an item
    emails.append(emails[0])
    assert record.emails is emails
    assert len(emails_of(record.to_api())) == len(emails) == 2
    record = fresh()
    name = record["firstName"]
    record.first_name = "Zed"  # another spelling of the field read first
    assert record["firstName"] == "Zed" and record.first_name == "Zed"
    del record.first_name
    assert record["firstName"] == name
    record = fresh()
    record.emails[0].value = "new@example.com"  # a nested record read first, then changed
    assert emails_of(record.to_api())[0]["value"] == "new@example.com"


def test_assigning_and_deleting_new_spellings_keeps_a_long_lived_record_small():
    # A record kept for long and given run-time names in camelCase, each deleted again: the
    # spelling of every deleted name stayed behind (about 150 bytes each, without bound).
    import tracemalloc

    record = Customer(first_name="Ada")

    def churn(start, count):
        # As items: `setattr` would intern each new name, and Python 3.12 keeps interned
        # strings for good (immortal), which is the interpreter's growth, not ours.
        for i in range(start, start + count):
            record[f"runTimeField{i}"] = i
            if i % 2:
                del record[f"run_time_field{i}"]
            else:
                del record[f"runTimeField{i}"]

    tracemalloc.start()
    try:
        # The first round fills what is bounded (the names cache keeps 4,096 names); the
        # second must leave no new objects behind. Blocks are counted, not bytes: a table
        # of Python's (the interned attribute names) may be resized once along the way.
        churn(0, 20_000)
        before = tracemalloc.take_snapshot()
        churn(20_000, 20_000)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    new_blocks = sum(s.count_diff for s in after.compare_to(before, "filename"))
    assert new_blocks < 1_000, new_blocks  # one or more per round's 20,000 names before
    # A spelling still in use is kept: the field goes back under the name it was given.
    record.jobTitleX = "x"
    assert "jobTitleX" in record.to_api()
    del record.jobTitleX
    record.job_title_x = "y"
    assert record.to_api()["job_title_x"] == "y" and "jobTitleX" not in record.to_api()


def test_an_item_replaced_in_a_list_read_from_a_record_shows_everywhere():
    # A list read from a record and changed in place, its length the same: `to_api()`,
    # `to_json()`, `serialize()`, `==` and pickling gave the body's list, as if nothing had
    # changed, because only a change of length was noticed.
    body = json.dumps(
        {
            "id": 7,
            "firstName": "Ada",
            "emails": [
                {"id": 1, "value": "a@example.com", "location": "work"},
                {"id": 2, "value": "b@example.com", "location": "home"},
            ],
            "cc": ["x@example.com", "y@example.com"],
            "scores": [0.0, 1, 2.5],
            "matrix": [[1, 2], [3]],
            "createdAt": ["2026-03-06T14:03:11Z"],
        }
    ).encode()
    hook = HelpScoutWebHook(secret_key=SECRET)

    def fresh():
        return hook.receive("customer.created", hook.sign(body), body).record

    original = json.loads(body)

    def api_after(change, equal_in_python=False):
        # `==` compares records as Python values: -0.0 == 0.0 and True == 1 there.
        record = fresh()
        change(record)
        api = record.to_api()
        assert json.loads(record.to_json()) == api
        assert pickle.loads(pickle.dumps(record)).to_api() == api
        assert (record == fresh()) is equal_in_python
        assert (api == original) is equal_in_python
        return api, record

    api, record = api_after(lambda r: r.emails.__setitem__(0, Email(value="new@example.com")))
    assert api["emails"] == [{"value": "new@example.com"}, original["emails"][1]]
    assert record.serialize()["emails"][0]["value"] == "new@example.com"

    def swap(r):
        emails = r.emails
        emails[0], emails[1] = emails[1], emails[0]

    api, _ = api_after(swap)
    assert api["emails"] == original["emails"][::-1]

    api, record = api_after(lambda r: r.cc.__setitem__(0, "z@example.com"))
    assert api["cc"] == ["z@example.com", "y@example.com"]
    assert record.to_dict()["cc"] == ["z@example.com", "y@example.com"]

    # Equal to the body's value, but not the same JSON: what `to_api()` gives is what was set.
    api, record = api_after(lambda r: r.scores.__setitem__(0, -0.0), equal_in_python=True)
    assert repr(api["scores"][0]) == "-0.0"
    assert record.to_json() != body.decode()
    api, record = api_after(lambda r: r.scores.__setitem__(1, True), equal_in_python=True)
    assert api["scores"][1] is True
    assert record.to_json() != body.decode()
    api, _ = api_after(lambda r: r.matrix[0].__setitem__(1, 5))  # a list inside the list
    assert api["matrix"] == [[1, 5], [3]]

    def a_second_later(r):
        r.created_at[0] += datetime.timedelta(seconds=1)

    api, _ = api_after(a_second_later)
    assert api["createdAt"] == ["2026-03-06T14:03:12Z"]

    # Read, or replaced by equal values of the same type, nothing changed: the body's own
    # text, and equal to a fresh record.
    record = fresh()
    record.emails[0].value  # noqa: B018 - a read
    cc, scores, matrix = record.cc, record.scores, record.matrix
    cc[0] = "".join(["x@", "example.com"])  # another `str` object, the same text
    scores[2] = float("2.5")
    matrix[1] = [3]
    record.created_at[0] = record.created_at[0].replace()  # a new, equal `datetime`
    assert record.to_json() == body.decode()
    assert record.to_api() == original
    assert record == fresh() and hash(record) == hash(fresh())


def test_records_equal_by_value_hash_alike_and_changed_lists_write_out_where_read():
    hook = HelpScoutWebHook(secret_key=SECRET)

    def rec(body, event="customer.created"):
        body = body.encode() if isinstance(body, str) else body
        return hook.receive(event, hook.sign(body), body).record

    # `True == 1 == 1.0` in Python, so records holding them are equal and must hash alike
    # (`true` hashed apart from numbers, so a set could hold two equal records).
    same = [rec('{"id":7,"x":true}'), rec('{"id":7,"x":1}'), rec('{"id":7,"x":1.0}')]
    assert same[0] == same[1] == same[2]
    assert len({hash(r) for r in same}) == 1 and len(set(same)) == 1
    changed = rec('{"id":7,"nums":[1,2]}')
    changed.nums[0] = True
    assert changed == rec('{"id":7,"nums":[1,2]}')
    assert hash(changed) == hash(rec('{"id":7,"nums":[1,2]}'))

    # A NaN put into a list read from a record cannot be written as JSON: a clear error,
    # not the text `NaN` (assignment refuses it up front).
    r = rec('{"id":7,"nums":[1,2]}')
    r.nums[0] = float("nan")
    for write in (r.to_json, lambda: pickle.dumps(r), r.detach):
        with pytest.raises(HelpScoutValidationException, match="NaN or infinity"):
            write()

    # serialize()/to_dict() write a changed list where the body's member is: one
    # snake_case key for a list read as record["firstName"], and v2 `threads` inside
    # `_embedded` (not a second, top-level copy beside the stale one).
    r = rec('{"id":7,"firstName":["a","b"]}')
    r["firstName"].reverse()
    assert r.serialize() == {"id": 7, "first_name": ["b", "a"], "__class__": "Customer"}
    assert r.to_dict() == {"id": 7, "first_name": ["b", "a"]}
    body = fixture_bytes("convo.created.json")
    ids = [t["id"] for t in json.loads(body)["_embedded"]["threads"]]
    assert len(ids) >= 2
    c = rec(body, "convo.created")
    c.threads.reverse()
    for out in (c.serialize(), c.to_dict()):
        assert [t["id"] for t in out["_embedded"]["threads"]] == ids[::-1]
        assert out["threads"] == json.loads(body)["threads"]  # the body's own count
    assert [t["id"] for t in c.to_api()["_embedded"]["threads"]] == ids[::-1]
