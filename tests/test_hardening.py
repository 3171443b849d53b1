"""Regression tests for the adversarial review's findings (issue 7), one section per finding
the Rust core fixed, plus the API client's (finding 8). Anything that could crash the
interpreter runs in a subprocess, so a segfault is a failed test and not a dead runner.

Six more bugs found while writing these tests (an HTML-repr segfault on a cyclic assigned
list, base64 envelopes, lone-surrogate arguments, ``equal`` with a non-record) have their
regression tests here too.
"""

import base64
import copy
import json
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap
import urllib.parse

import pytest

from helpscout import HelpScout, HelpScoutWebHook, WebHookEvent, _core
from helpscout.exceptions import (
    HelpScoutPayloadError,
    HelpScoutRemoteException,
    HelpScoutSecurityException,
    HelpScoutValidationException,
)
from helpscout.models import Customer, Record

from .conftest import MANIFEST, SECRET, fixture_bytes, signature_of
from .fake_helpscout import APP_ID, APP_SECRET, FakeHelpScout

ROOT = pathlib.Path(__file__).resolve().parent.parent
KEY = "hardening-secret"


def hook_for(secret=KEY, **kwargs):
    return HelpScoutWebHook(secret_key=secret, **kwargs)


def signed_receive(body, event="customer.created", hook=None):
    hook = hook or hook_for()
    return hook.receive(event, hook.sign(body), body)


def run_python(*parts, timeout=60, env=None):
    """Run the code ``parts`` (each dedented, then joined) in a fresh interpreter; returns
    its stdout. A crash (SIGSEGV is return code -11) or any exception fails the calling
    test with the child's stderr."""
    code = "\n".join(textwrap.dedent(part) for part in parts)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=str(ROOT),
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, (
        f"child exited with {result.returncode} (negative: killed by that signal, -11 is "
        f"SIGSEGV)\nstdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return result.stdout


# -- 1. Deep nesting -----------------------------------------------------------------------

DEEP_BODIES = """
arrays = b'{"a":' + b"[" * 23000 + b"]" * 23000 + b"}"         # 46 KB, 23,001 levels
objects = b'{"":' * 12000 + b"1" + b"}" * 12000                # 60 KB, 12,000 levels
assert 46_000 <= len(arrays) <= 46_010 and len(objects) == 60_001
"""


def test_1_deep_bodies_are_refused_at_receive_as_too_deep():
    out = run_python(
        DEEP_BODIES,
        """
        import json
        from helpscout import HelpScoutWebHook
        from helpscout.exceptions import HelpScoutPayloadError

        hook = HelpScoutWebHook(secret_key="deep")
        for name, body in (("arrays", arrays), ("objects", objects)):
            for event in ("convo.created", "customer.created", "brand.new"):
                try:
                    hook.receive(event, hook.sign(body), body)
                except HelpScoutPayloadError as e:
                    assert e.reason == "too_deep" and e.http_status == 400, e.reason
                    assert isinstance(e, json.JSONDecodeError)
                    assert len(str(e)) < 300
                else:
                    raise SystemExit(f"{name} accepted under {event}")
            # the request helper too
            sig = hook.sign(body)
            headers = {"X-HelpScout-Event": "convo.created", "X-HelpScout-Signature": sig}
            try:
                hook.receive_headers(headers, body)
            except HelpScoutPayloadError as e:
                assert e.reason == "too_deep"
            print("refused", name)
        """,
    )
    assert out.split() == ["refused", "arrays", "refused", "objects"]


def test_1_depth_exactly_max_depth_is_accepted_and_every_operation_works():
    out = run_python(
        """
        import copy, json, pickle
        from helpscout import HelpScoutWebHook, _core
        from helpscout.exceptions import HelpScoutPayloadError
        from helpscout.models import Record

        D = _core.MAX_DEPTH
        assert D == 128
        hook = HelpScoutWebHook(secret_key="deep")

        def at(depth):  # each body nests exactly `depth` levels (the top object counts)
            arrays = b'{"id":1,"a":' + b"[" * (depth - 1) + b"7" + b"]" * (depth - 1) + b"}"
            objects = b'{"id":1,"b":' + b'{"c":' * (depth - 2) + b"{}" + b"}" * (depth - 2) + b"}"
            mixed = b'{"id":1,"m":' + b'[{"k":' * ((depth - 1) // 2) + b"null"
            mixed += b"}]" * ((depth - 1) // 2) + b"}"
            return arrays, objects, mixed

        def walk(value, depth=1):
            deepest = depth
            if isinstance(value, Record):
                for name in value.keys():
                    field = getattr(value, name)
                    assert value[name] == field and value.get(name) == field
                    deepest = max(deepest, walk(field, depth + 1))
            elif isinstance(value, list):
                for item in value:
                    deepest = max(deepest, walk(item, depth + 1))
            return deepest

        for body in at(D):
            ref = json.loads(body)
            for event in ("convo.created", "customer.created", "beacon.chat.created"):
                ev = hook.receive(event, hook.sign(body), body)
                r = ev.record
                again = hook.receive(event, hook.sign(body), body).record
                assert r.to_api() == ref
                assert json.loads(r.to_json()) == ref
                assert isinstance(repr(r), str) and isinstance(repr(ev), str)
                assert r == again and hash(r) == hash(again) and r.equal(again)
                assert isinstance(r.serialize(), dict) and isinstance(r.to_dict(), dict)
                assert pickle.loads(pickle.dumps(r)) == r
                assert pickle.loads(pickle.dumps(ev)) == ev
                assert copy.copy(r) == r and copy.deepcopy(r) == r and r.detach() == r
                assert isinstance(r._repr_html_(), str) and isinstance(ev._repr_html_(), str)
                assert walk(r) >= D - 1, walk(r)
                assert ev.to_api()["record"] == ref
            for body in at(D + 1):
                try:
                    hook.receive("convo.created", hook.sign(body), body)
                except HelpScoutPayloadError as e:
                    assert e.reason == "too_deep"
                else:
                    raise SystemExit("depth MAX_DEPTH + 1 accepted")
        print("OK")
        """
    )
    assert out.strip() == "OK"


def test_1_deep_or_self_referencing_values_built_in_python_are_refused():
    out = run_python(
        """
        from helpscout import WebHookEvent
        from helpscout.exceptions import HelpScoutValidationException
        from helpscout.models import Conversation, Customer

        deep = []
        for _ in range(50_000):
            deep = [deep]
        deep_dict = {}
        for _ in range(50_000):
            deep_dict = {"a": deep_dict}
        d = {}
        d["a"] = d
        l = []
        l.append(l)
        calls = {
            "extra=<50k nested lists>": lambda: Customer(extra=deep),
            "extra=<50k nested dicts>": lambda: Customer(extra=deep_dict),
            "a=<dict holding itself>": lambda: Customer(a=d),
            "a=<list holding itself>": lambda: Customer(a=l),
            "from_api": lambda: Customer.from_api(extra=deep),
            "nested record": lambda: Conversation(customer=Customer(x=d)),
            "event record": lambda: WebHookEvent("convo.created", {"id": 1, "x": deep}),
            "event self-ref": lambda: WebHookEvent("convo.created", d),
        }
        for name, call in calls.items():
            try:
                call()
            except HelpScoutValidationException as e:
                assert len(str(e)) < 2000, (name, len(str(e)))
            else:
                raise SystemExit(f"{name} accepted")
            print("refused")
        """
    )
    assert out.split() == ["refused"] * 8


def test_1_deep_or_self_referencing_values_assigned_to_a_record_never_crash():
    out = run_python(
        """
        import copy, pickle
        from helpscout import HelpScoutWebHook
        from helpscout.exceptions import HelpScoutException
        from helpscout.models import Customer

        deep = []
        for _ in range(50_000):
            deep = [deep]
        l = []
        l.append(l)
        d = {}
        d["a"] = d
        hook = HelpScoutWebHook(secret_key="s")
        body = b'{"id": 1, "n": {"m": 2}}'
        for value in (deep, l, d):
            record = hook.receive("customer.created", hook.sign(body), body).record
            try:
                record.extra = value  # refusing it here is fine too
            except HelpScoutException:
                continue
            for op in (repr, hash, pickle.dumps, copy.copy, copy.deepcopy,
                       lambda r: r.to_api(), lambda r: r.to_json(), lambda r: r.serialize(),
                       lambda r: r.to_dict(), lambda r: r.detach(), lambda r: r == r,
                       lambda r: r._repr_html_()):
                try:
                    op(record)
                except HelpScoutException:
                    pass
        print("OK")
        """
    )
    assert out.strip() == "OK"


def test_1_records_that_contain_themselves_or_nest_too_deep_never_crash():
    # A record holding itself (directly, through a list mutated after the assignment, or
    # through another record), or a chain of records each holding the next: every
    # conversion walks from record to record, and used to recurse until the stack
    # overflowed (SIGSEGV). Now each is refused with the same error as a too-deep value.
    out = run_python(
        """
        import copy, pickle
        from helpscout import HelpScoutWebHook
        from helpscout.exceptions import HelpScoutException
        from helpscout.models import Customer

        hook = HelpScoutWebHook(secret_key="s")
        body = b'{"id": 1, "emails": [{"id": 2, "value": "a@example.com"}]}'

        def itself():
            r = Customer(first_name="a")
            r.x = r
            return r

        def in_a_list_mutated_after():
            r = Customer(first_name="a")
            items = []
            r["tags"] = items
            items.append(r)
            return r

        def through_another():
            a, b = Customer(first_name="a"), Customer(first_name="b")
            a.friend = b
            b.friend = a
            return a

        def through_a_nested_received_record():
            r = hook.receive("customer.created", hook.sign(body), body).record
            r.emails[0].owner = r
            return r

        def a_chain_of_100000():
            head = Customer(first_name="0")
            for i in range(1, 100_000):
                nxt = Customer(first_name=str(i))
                nxt.next = head
                head = nxt
            return head

        ops = {
            "to_api": lambda r: r.to_api(), "to_json": lambda r: r.to_json(),
            "serialize": lambda r: r.serialize(), "to_dict": lambda r: r.to_dict(),
            "detach": lambda r: r.detach(), "hash": hash, "eq": lambda r: r == copy.copy(r),
            "pickle": pickle.dumps, "deepcopy": copy.deepcopy, "repr": repr,
            "html": lambda r: r._repr_html_(),
        }
        for make in (itself, in_a_list_mutated_after, through_another,
                     through_a_nested_received_record, a_chain_of_100000):
            record = make()
            refused = []
            for name, op in ops.items():
                try:
                    op(record)
                except HelpScoutException as e:
                    assert "refers to itself" in str(e), (make.__name__, name, str(e))
                    refused.append(name)
            # What writes the record out must refuse it; repr and the HTML table stop at
            # their own depth and may show it.
            assert {"to_api", "to_json", "serialize", "to_dict", "pickle"} <= set(refused), (
                make.__name__, refused)
            print(make.__name__, "refused:", " ".join(refused))
        # A legitimate nesting just under the bound still converts.
        head = Customer(first_name="0")
        for i in range(1, 100):
            nxt = Customer(first_name=str(i))
            nxt.next = head
            head = nxt
        assert head.to_api()["next"]["next"]["firstName"] == "97"
        assert pickle.loads(pickle.dumps(head)) == head
        print("OK")
        """,
        timeout=120,
    )
    assert out.strip().endswith("OK"), out


def test_1_deep_bodies_through_real_flask_fastapi_and_django_endpoints_are_400():
    out = run_python(
        DEEP_BODIES,
        """
        import os, sys
        sys.path.insert(0, "examples")
        os.environ["HELPSCOUT_WEBHOOK_SECRET"] = "deep-secret"
        from helpscout import HelpScoutWebHook
        hook = HelpScoutWebHook(secret_key="deep-secret")

        # the README's example apps, as they are
        import flask_app, fastapi_app
        from fastapi.testclient import TestClient
        flask = flask_app.app.test_client()
        fast = TestClient(fastapi_app.app)

        import django
        from django.conf import settings
        settings.configure(DEBUG=False, SECRET_KEY="t", ALLOWED_HOSTS=["testserver"],
                           ROOT_URLCONF="django_app")
        django.setup()
        from django.test import Client
        dj = Client()

        for body in (arrays, objects):
            h = {"X-HelpScout-Event": "convo.created", "X-HelpScout-Signature": hook.sign(body),
                 "Content-Type": "application/json"}
            answers = [
                flask.post("/helpscout", data=body, headers=h),
                fast.post("/helpscout", content=body, headers=h),
                fast.post("/helpscout/tags", content=body, headers=h),  # the dependency
            ]
            got = [(a.status_code, a.text) for a in answers]
            r = dj.generic("POST", "/helpscout", body, content_type="application/json",
                           headers={k: v for k, v in h.items() if k != "Content-Type"})
            got.append((r.status_code, r.content.decode()))
            print(got)
            assert [g[0] for g in got] == [400] * 4, got
            assert got[0][1] == got[1][1] == got[3][1] == "bad request: too_deep", got
        print("OK")
        """,
    )
    assert out.strip().endswith("OK")


# -- 2. JSON keys that shadow methods --------------------------------------------------------

SHADOWING = [
    "get",
    "keys",
    "toApi",
    "to_api",
    "serialize",
    "toJson",
    "fromApi",
    "_repr_html_",
    "validate",
    "__class__",
    "__reduce_ex__",
    "__dict__",
]


def test_2_keys_named_like_methods_never_replace_them():
    data = {"id": 5, **{key: f"field-{i}" for i, key in enumerate(SHADOWING)}}
    body = json.dumps(data).encode()
    wrapped = json.dumps({"id": 9, "customer": data, "threads": [data]}).encode()
    for record in (
        signed_receive(body).record,
        signed_receive(wrapped, "convo.created").record.customer,
        signed_receive(wrapped, "convo.created").record.threads[0],
        Customer.from_api(**data),
    ):
        cls = type(record)
        for i, key in enumerate(SHADOWING):
            assert record[key] == f"field-{i}", key
        # read the dunders as items first: attribute access must not change
        assert record["__class__"] == "field-9" and record["__reduce_ex__"] == "field-10"
        assert record.__class__ is cls and type(record) is cls
        assert record.get("id") == 5 and record.get("missing", "d") == "d"
        assert record.get("get") == "field-0"
        assert "get" in record.keys() and "id" in record.keys()
        assert record.to_api() == data
        assert json.loads(record.to_json()) == data
        assert isinstance(record.serialize(), dict) and isinstance(record.to_dict(), dict)
        assert record.validate() is True
        assert record._repr_html_().startswith("<table>")
        assert cls.from_api(**data) == record
        assert pickle.loads(pickle.dumps(record)) == record
        assert copy.copy(record) == record and copy.deepcopy(record) == record
        assert callable(record.__reduce_ex__) and callable(record.get)
        assert record.detach() == record
        assert hash(record) == hash(cls.from_api(**data))


# -- 3. Integers longer than Python converts -----------------------------------------------


def test_3_a_5000_digit_integer_is_refused_at_receive():
    for digits in (4301, 5000, 100_000):
        for body in (
            b'{"id": 1, "n": ' + b"9" * digits + b"}",
            b'{"id": 1, "n": [-' + b"1" * digits + b"]}",
            b'{"id": 1, "n": {"m": ' + b"7" * digits + b"}}",
        ):
            with pytest.raises(HelpScoutPayloadError) as err:
                signed_receive(body)
            assert err.value.reason == "number" and err.value.http_status == 400
    assert _core.MAX_INT_DIGITS == sys.get_int_max_str_digits() == 4300


def test_3_a_4300_digit_integer_is_accepted_and_everything_equals_json_loads():
    for body in (
        b'{"id": 1, "n": ' + b"9" * 4300 + b"}",
        b'{"id": 1, "n": -' + b"9" * 4300 + b"}",
        b'{"id": 1, "l": [' + b"8" * 4300 + b'], "o": {"m": ' + b"7" * 4300 + b"}}",
        b'{"id": ' + b"1" * 4300 + b"}",
    ):
        ref = json.loads(body)
        event = signed_receive(body)
        record = event.record
        again = signed_receive(body).record
        for key, value in ref.items():
            for got in (record[key], getattr(record, key)):
                assert (got.to_api() if isinstance(got, Record) else got) == value
        assert record.id == ref["id"]
        assert record.to_api() == ref and event.to_api()["record"] == ref
        assert isinstance(repr(record), str) and isinstance(repr(event), str)
        assert record == again and hash(record) == hash(again)
        assert pickle.loads(pickle.dumps(record)) == record
        assert copy.deepcopy(record) == record
        assert isinstance(record.serialize(), dict) and isinstance(record._repr_html_(), str)


# -- 4. Lone surrogates in the body ----------------------------------------------------------

SURROGATE_BODY = (
    b'{"id": 1, "s": "a\\ud800b", "l": ["\\udfff", "x\\udc00"], "o": {"t": "x\\ud83dy"}}'
)


def test_4_a_lone_surrogate_value_is_accepted_and_reads_as_json_loads_gives_it():
    ref = json.loads(SURROGATE_BODY)
    assert ref["s"] == "a\ud800b"
    event = signed_receive(SURROGATE_BODY)
    record = event.record
    assert record.s == record["s"] == record.get("s") == "a\ud800b"
    assert record.l == ref["l"] and record.o.t == ref["o"]["t"] and record.o["t"] == "x\ud83dy"
    assert record.to_api() == ref and event.to_api()["record"] == ref
    assert record.o.to_api() == ref["o"]
    assert record.to_json() == SURROGATE_BODY.decode()  # the exact text, escapes kept
    serialized = record.serialize()
    assert serialized["s"] == ref["s"] and serialized["l"] == ref["l"]
    assert record.to_dict()["o"] == ref["o"]
    assert repr(record).startswith("Customer(")
    assert "<b>Customer</b>" in record._repr_html_()  # shown lossily (U+FFFD): display only
    again = signed_receive(SURROGATE_BODY).record
    assert record == again and hash(record) == hash(again)
    assert pickle.loads(pickle.dumps(record)) == record
    assert pickle.loads(pickle.dumps(event)) == event
    assert copy.deepcopy(record) == record and record.detach() == record
    envelope = event.to_envelope()
    assert json.loads(json.dumps(envelope)) == envelope  # JSON-safe
    assert hook_for().receive_envelope(envelope) == event


def test_4_a_lone_surrogate_key_is_reachable_like_json_loads_gives_it():
    body = b'{"id": 1, "k\\udc00": 2}'
    record = signed_receive(body).record
    assert record.to_api() == json.loads(body)
    assert record.get("nope\ud800", 5) == 5
    assert ("nope\ud800" in record) is False
    with pytest.raises(KeyError):
        record["nope\ud800"]
    assert record["k\udc00"] == 2


def test_4_a_lone_surrogate_key_keeps_its_escaped_backslashes():
    # Found by the fuzzer: `\\u` (an escaped backslash, then `u`) in a key that also holds a
    # lone surrogate lost the key's text (its snake_case name read as "__").
    body = b'{"io1d": 140, "T\x7f\\\\uTTT\\uddceee": 159}'
    record = signed_receive(body).record
    assert record.keys() == ["io1d", "t__u_ttt_ee"]
    assert [record[name] for name in record.keys()] == [140, 159]
    assert record["T\x7f\\uTTT\uddceee"] == 159
    assert record.to_api() == json.loads(body)


# -- 5. Lone surrogates and unknown encodings in str arguments -------------------------------


def test_5_lone_surrogates_in_str_arguments_are_library_errors():
    hook = hook_for()
    body = b'{"id": 1}'
    sig = hook.sign(body)
    # a signature: simply invalid
    for bad in ("ab\ud800cd", sig[:-2] + "\ud800=", "\udfff" * 28):
        assert hook.validate_signature(bad, body) is False
        assert hook.verify(bad, body) is None
        with pytest.raises(HelpScoutSecurityException) as err:
            hook.receive("convo.created", bad, body)
        assert err.value.reason == "malformed_signature"
        with pytest.raises(HelpScoutSecurityException) as err:
            hook.receive_headers({"X-HelpScout-Event": "x", "X-HelpScout-Signature": bad}, body)
        assert err.value.reason == "malformed_signature"
    # an event name, a body, a secret: bad arguments
    calls = [
        lambda: hook.receive("convo.\ud800", sig, body),
        lambda: hook.receive_headers(
            {"X-HelpScout-Event": "convo.\ud800", "X-HelpScout-Signature": sig}, body
        ),
        lambda: hook.receive("convo.created", sig, '{"id": "\ud800"}'),
        lambda: hook.receive_headers(
            {"X-HelpScout-Event": "x", "X-HelpScout-Signature": sig}, '{"a": "\udc00"}'
        ),
        lambda: hook.validate_signature(sig, '{"id": "\ud800"}'),
        lambda: hook.verify(sig, "\udfff"),
        lambda: hook.sign("\ud800"),
        lambda: HelpScoutWebHook(secret_key="a\ud800"),
        lambda: HelpScoutWebHook(secret_key="ok", secret_keys=["b\udc00"]),
        lambda: _core.Verifier(["a\ud800"]),
        lambda: hook.receive_envelope({"event_type": "x", "body": "\ud800", "signature": sig}),
    ]
    for call in calls:
        with pytest.raises(HelpScoutValidationException) as err:
            call()
        assert type(err.value) is HelpScoutValidationException


def test_5_an_unknown_encoding_is_a_validation_error_not_lookup_error():
    hook = hook_for()
    verifier = _core.Verifier([KEY])
    sig = hook.sign(b'{"id": 1}')
    calls = [
        lambda: hook.validate_signature(sig, '{"id": 1}', "no-such-codec"),
        lambda: hook.validate_signature(sig, b'{"id": 1}', "no-such-codec"),
        lambda: hook.verify(sig, '{"id": 1}', "no-such-codec"),
        lambda: hook.sign('{"id": 1}', "no-such-codec"),
        lambda: verifier.receive("convo.created", sig, '{"id": 1}', "no-such-codec"),
        lambda: verifier.authenticate(sig, '{"id": 1}', "no-such-codec"),
    ]
    for call in calls:
        with pytest.raises(HelpScoutValidationException) as err:
            call()
        assert not isinstance(err.value, LookupError)


def test_5_latin1_str_body_is_signed_as_latin1_bytes_and_parses_as_the_str():
    hook = hook_for()
    verifier = _core.Verifier([KEY])
    text = json.dumps({"id": 1, "subject": "Grüße, señor"}, ensure_ascii=False)
    latin1 = text.encode("latin-1")
    sig = hook.sign(latin1)
    assert hook.sign(text, "latin-1") == sig
    assert hook.validate_signature(sig, text, "latin-1") is True
    assert hook.validate_signature(sig, text) is False  # UTF-8 bytes differ
    for encoding in ("latin-1", "latin1", "iso-8859-1", "ISO-8859-1"):
        event = verifier.receive("convo.created", sig, text, encoding)
        assert event.record.subject == "Grüße, señor"
        assert event.record.to_api() == json.loads(text)
    with pytest.raises(HelpScoutValidationException):  # not representable in latin-1
        hook.validate_signature(sig, "snowman ☃", "latin-1")


def test_5_an_encoding_name_with_a_lone_surrogate_is_a_validation_error():
    with pytest.raises(HelpScoutValidationException):
        hook_for().validate_signature("AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", '{"id": 1}', "\ud800")


def test_5_lone_surrogate_event_name_in_the_event_constructor_is_a_validation_error():
    with pytest.raises(HelpScoutValidationException):
        _core.dedupe_key("a\ud800", b"{}")
    with pytest.raises(HelpScoutValidationException):
        WebHookEvent("convo.\ud800", {"id": 1})


# -- 6. Field lookup is indexed, not a scan --------------------------------------------------


def test_6_a_40000_key_object_reads_every_key():
    n = 40_000
    data = {f"key{i}": i for i in range(n)}
    data["lastKey"] = "camel"
    body = json.dumps(data).encode()
    record = signed_receive(body).record
    for i in range(n):
        assert record[f"key{i}"] == i
    assert record.last_key == record["lastKey"] == "camel"
    assert len(record.keys()) == n + 1
    assert record.get("missing", -1) == -1 and "missing" not in record
    assert record.to_api() == data


LOOKUP_COST = """
import json, os, time
from helpscout import HelpScoutWebHook

n = int(os.environ["LOOKUP_N"])
hook = HelpScoutWebHook(secret_key="s")
body = json.dumps({f"key{i}": i for i in range(n)}).encode()
sig = hook.sign(body)
spread = [f"key{i}" for i in range(0, n, n // 1000)][:1000]  # all over the object
first = again = missing = float("inf")
for _ in range(5):  # best of 5
    record = hook.receive("customer.created", sig, body).record
    record.get("warm-up")  # builds the index once
    t = time.perf_counter()
    for k in spread:
        record[k]
    first = min(first, (time.perf_counter() - t) / len(spread))
    t = time.perf_counter()
    for k in spread * 5:
        record[k]
    again = min(again, (time.perf_counter() - t) / (5 * len(spread)))
    t = time.perf_counter()
    for _ in range(5000):
        record.get("missing_key")
    missing = min(missing, (time.perf_counter() - t) / 5000)
print(json.dumps({"first": first, "again": again, "missing": missing}))
"""


def test_6_lookup_cost_does_not_grow_with_the_object_TIMING():
    """TIMING-BASED (generous). Linear reading of every key means each lookup costs the
    same whatever the object's size. Measured per lookup (perf_counter, best of 5, in a
    fresh subprocess per size): first reads of 1000 keys spread over the object, re-reads,
    and a missing key, on a 2,000-key and a 40,000-key object. A scan (the 0.2.0 bug) costs
    20x more per lookup at 20x the keys; an index ~1x (up to ~2.5x here from cache misses
    on the larger object). Asserted: < 5x (measured once more if not).

    Why not "read all 10k keys vs all 40k keys, < 8x": measured on this machine that ratio
    is 7-13x for the current, indexed build (the 40k body leaves the L2 cache), so the
    test would be flaky while telling nothing a per-lookup ratio does not."""
    for _attempt in range(2):  # one re-measure on a noisy machine; a scan fails both
        small, large = (
            json.loads(run_python(LOOKUP_COST, timeout=60, env={"LOOKUP_N": str(n)}))
            for n in (2_000, 40_000)
        )
        slower = {what: large[what] / small[what] for what in small}
        if all(ratio < 5 for ratio in slower.values()):
            break
    assert all(ratio < 5 for ratio in slower.values()), (slower, small, large)


# -- 7. Events keep what they carry through pickle, copy and envelopes -----------------------


def rotated_event(body=b'{"id": 1, "subject": "x"}', event="convo.created"):
    old, new = "old-secret", "new-secret"
    hook = hook_for(new, secret_keys=[old])
    return hook, hook.receive(event, hook_for(old).sign(body), body)


def test_7_pickle_copy_and_deepcopy_keep_secret_index_signature_and_dedupe_key():
    utf16 = '{"id": 5, "subject": "Grüße"}'.encode("utf-16")
    for body in (b'{"id": 1, "subject": "x"}', utf16, fixture_bytes("convo.created.json")):
        hook, event = rotated_event(body)
        assert event.secret_index == 1 and event.signature == hook_for("old-secret").sign(body)
        for again in (pickle.loads(pickle.dumps(event)), copy.copy(event), copy.deepcopy(event)):
            assert again == event
            assert again.secret_index == 1
            assert again.signature == event.signature
            assert again.dedupe_key == event.dedupe_key
            assert again.to_envelope() == event.to_envelope()
            assert hook.receive_envelope(again.to_envelope()) == event


def test_7_an_envelope_round_trips_and_a_tampered_one_is_refused():
    hook, event = rotated_event()
    envelope = event.to_envelope()
    assert json.loads(json.dumps(envelope)) == envelope
    again = hook.receive_envelope(envelope)
    assert again == event
    assert (again.secret_index, again.signature, again.dedupe_key) == (
        1,
        event.signature,
        event.dedupe_key,
    )
    tampered = [
        {**envelope, "body": envelope["body"].replace('"x"', '"y"')},
        {**envelope, "body": envelope["body"] + " "},
        {**envelope, "signature": hook.sign(b"other")},
        {**envelope, "signature": None},
        {**envelope, "body_base64": base64.b64encode(b'{"id": 2}').decode()},
    ]
    for changed in tampered:
        with pytest.raises(HelpScoutSecurityException):
            hook.receive_envelope(changed)
    # a non-UTF-8 body travels as body_base64 and is verified over those bytes
    utf16 = '{"id": 5, "subject": "Grüße"}'.encode("utf-16")
    hook, event = rotated_event(utf16)
    envelope = event.to_envelope()
    assert base64.b64decode(envelope["body_base64"]) == utf16
    assert hook.receive_envelope(envelope) == event
    flipped = bytearray(utf16)
    flipped[-2] ^= 1
    with pytest.raises(HelpScoutSecurityException):
        hook.receive_envelope({**envelope, "body_base64": base64.b64encode(flipped).decode()})


def test_7_from_envelope_rebuilds_the_event_without_verifying():
    _, event = rotated_event()
    envelope = event.to_envelope()
    again = WebHookEvent.from_envelope(envelope)
    assert again == event
    assert (again.secret_index, again.signature, again.dedupe_key) == (
        event.secret_index,
        event.signature,
        event.dedupe_key,
    )
    assert again.record.subject == "x"


def test_7_from_envelope_reads_body_base64():
    utf16 = '{"id": 5, "subject": "Grüße"}'.encode("utf-16")
    _, event = rotated_event(utf16)
    again = WebHookEvent.from_envelope(event.to_envelope())
    assert again == event and again.record.subject == "Grüße"


# -- 8. The body's shape against the (unsigned) event name -----------------------------------


def test_8_shape_matches_refuses_a_body_under_another_family():
    conversation = fixture_bytes("convo.created.json")
    customer = fixture_bytes("customer.created.json")
    assert signed_receive(conversation, "convo.deleted").shape_matches is False
    assert signed_receive(b'{"id": 1}', "convo.created").shape_matches is False
    assert signed_receive(customer, "satisfaction.ratings").shape_matches is False
    assert signed_receive(conversation, "customer.created").shape_matches is False
    # unknown events always match (nothing to compare with)
    assert signed_receive(customer, "brand.new.event").shape_matches is True


def test_8_every_shared_fixture_matches_its_own_event():
    hook = hook_for(SECRET)
    for entry in MANIFEST["fixtures"]:
        event = hook.receive(entry["event"], entry["signature"], fixture_bytes(entry["file"]))
        assert event.shape_matches is True, entry["file"]
    assert len(MANIFEST["fixtures"]) == 35


# -- 9. record.detach() ----------------------------------------------------------------------


def test_9_detach_gives_an_equal_record_with_only_its_own_text():
    hook = hook_for(SECRET)
    name = "convo.created.json"
    event = hook.receive("convo.created", signature_of(name), fixture_bytes(name))
    for record in (event.record.customer, event.record.threads[0], event.record):
        alone = record.detach()
        assert alone == record and type(alone) is type(record)
        assert alone.to_json() == record.to_json()
        assert json.loads(alone.to_json()) == record.to_api()
        assert alone.to_api() == record.to_api() and hash(alone) == hash(record)
    customer = event.record.customer.detach()
    assert len(customer.to_json()) < len(fixture_bytes(name)) // 4
    assert customer.to_json().startswith("{") and customer.to_json().endswith("}")


def test_9_a_detached_record_does_not_pin_the_body():
    out = run_python(
        """
        import ctypes, ctypes.util, gc, json
        from helpscout import HelpScoutWebHook

        # glibc keeps freed memory for reuse (how much depends on its thresholds and on the
        # order of allocations); malloc_trim gives back what is free, so RSS shows what is
        # still referenced rather than the allocator's caching.
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        trim = getattr(libc, "malloc_trim", None)

        def rss():
            gc.collect()
            if trim is not None:
                trim(0)
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096

        hook = HelpScoutWebHook(secret_key="s")
        def receive():
            big = json.dumps({"id": 1, "small": {"id": 2, "x": "y"}, "pad": "a" * (24 << 20)})
            big = big.encode()
            return hook.receive("convo.created", hook.sign(big), big).record.small

        base = rss()
        pinned = receive()                 # a nested record keeps the whole document
        gc.collect()
        held = rss() - base
        alone = pinned.detach()
        del pinned
        gc.collect()
        released = rss() - base
        assert alone.to_json() == '{"id": 2, "x": "y"}' and alone.x == "y"
        print(json.dumps({"held": held >> 20, "released": released >> 20}))
        """
    )
    sizes = json.loads(out)
    assert sizes["held"] >= 20, sizes  # the measurement sees the 24 MiB body
    assert sizes["released"] <= 8, sizes


# -- 10. secret_index -----------------------------------------------------------------------


def test_10_secret_index_is_0_only_for_secret_key():
    body = b'{"id": 1}'
    old, older, new = "old-secret", "older-secret", "new-secret"
    hook = HelpScoutWebHook(secret_keys=[old])
    assert hook.verify(hook_for(old).sign(body), body) == 1
    assert hook.receive("helpscout.test", hook_for(old).sign(body), body).secret_index == 1
    hook = HelpScoutWebHook(secret_keys=[old, older])
    assert hook.receive("helpscout.test", hook_for(older).sign(body), body).secret_index == 2
    hook = HelpScoutWebHook(secret_key=new, secret_keys=[old])
    assert hook.receive("helpscout.test", hook_for(new).sign(body), body).secret_index == 0
    assert hook.receive("helpscout.test", hook_for(old).sign(body), body).secret_index == 1
    # and after setting secret_key later, the indexes keep their meaning
    hook = HelpScoutWebHook(secret_keys=[old])
    hook.secret_key = new
    assert hook.verify(hook_for(old).sign(body), body) == 1
    assert hook.verify(hook_for(new).sign(body), body) == 0


# -- 11. One rule for blank secrets ----------------------------------------------------------

SPACES = [
    "",
    " ",
    "\t\r\n",
    "\u00a0\u2003",
    "\u3000",
    "\u2028\u2029",
    "\x85",
    "\u1680",
    "\u202f\u205f",
]
NOT_SPACES = ["\u200b", "\ufeff", "x", " x ", "\u00a0x"]


@pytest.mark.parametrize("secret", SPACES + NOT_SPACES, ids=ascii)
def test_11_one_whitespace_rule_for_the_constructor_and_the_verifier(secret):
    blank = _core.secret_is_blank(secret)
    assert blank is (secret in SPACES)
    assert _core.secret_is_blank(secret.encode()) is blank

    def accepted(make):
        try:
            make()
        except HelpScoutValidationException:
            return False
        return True

    outcomes = {
        accepted(lambda: HelpScoutWebHook(secret_key=secret)),
        accepted(lambda: HelpScoutWebHook(secret_key=secret.encode())),
        accepted(lambda: HelpScoutWebHook(secret_key="ok", secret_keys=[secret])),
        accepted(lambda: _core.Verifier([secret])),
        accepted(lambda: _core.Verifier([secret.encode()])),
    }
    assert outcomes == {not blank}


# -- 12. The API client (finding 8) ----------------------------------------------------------
# Another engineer is fixing these in the Rust client; until that lands they may fail.

ODD_SECRET = "s3cr/t+v@lue wi&th=sp"


def _encodings(secret):
    return {
        "raw": secret,
        "percent": urllib.parse.quote(secret, safe=""),
        "percent-lower": urllib.parse.quote(secret, safe="").lower(),
        "plus": urllib.parse.quote_plus(secret),
        "form-body": urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": APP_ID, "client_secret": secret}
        ),
        "base64": base64.b64encode(secret.encode()).decode(),
    }


@pytest.fixture
def fake():
    server = FakeHelpScout()
    yield server
    server.close()


def _leaks(error, secret):
    texts = [str(error), repr(error), repr(error.args), str(error.message)]
    return [
        label
        for label, form in _encodings(secret).items()
        if any(form in text or secret in text for text in texts)
    ]


@pytest.mark.parametrize("form", list(_encodings(ODD_SECRET)))
@pytest.mark.parametrize("kind", ["json", "text"])
def test_12_client_secret_echoed_by_the_token_endpoint_is_scrubbed(fake, form, kind):
    echoed = _encodings(ODD_SECRET)[form]
    if kind == "json":
        body = json.dumps({"error": "invalid_client", "error_description": f"bad: {echoed}"})
        fake.then(
            "POST", "/v2/oauth2/token", 401, {"Content-Type": "application/json"}, body.encode()
        )
    else:
        fake.then(
            "POST",
            "/v2/oauth2/token",
            400,
            {"Content-Type": "text/plain"},
            f"bad request {echoed}".encode(),
        )
    client = HelpScout(APP_ID, ODD_SECRET, base_url=fake.base_url, retries=0)
    with pytest.raises(HelpScoutRemoteException) as err:
        client.WebHook.list()
    assert err.value.status_code in (400, 401)
    assert _leaks(err.value, ODD_SECRET) == []


def test_12_a_short_client_secret_is_scrubbed_too(fake):
    short = "Q7z"
    fake.then(
        "POST",
        "/v2/oauth2/token",
        401,
        {"Content-Type": "application/json"},
        json.dumps(
            {"error": "invalid_client", "error_description": f"secret {short} refused"}
        ).encode(),
    )
    with pytest.raises(HelpScoutRemoteException) as err:
        HelpScout(APP_ID, short, base_url=fake.base_url, retries=0).WebHook.list()
    assert short not in str(err.value) and short not in repr(err.value)


def test_12_a_webhook_secret_echoed_percent_encoded_is_scrubbed(fake):
    client = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, retries=0)
    hook = HelpScoutWebHook(
        url="https://example.com/h", events=["convo.created"], secret_key=ODD_SECRET
    )
    for form in ("raw", "percent", "plus", "base64"):
        fake.then(
            "POST",
            "/v2/webhooks",
            400,
            {"Content-Type": "application/vnd.error+json"},
            json.dumps(
                {"message": f"secret {_encodings(ODD_SECRET)[form]} is invalid", "logRef": "r-1"}
            ).encode(),
        )
        with pytest.raises(HelpScoutRemoteException) as err:
            client.WebHook.create(hook)
        assert _leaks(err.value, ODD_SECRET) == [], form
        assert "r-1" in str(err.value)


ODD_ANSWERS = [[1, 2], "x", {"events": 5}, 5, None, {"url": ["x"], "events": "convo.created"}]


@pytest.mark.parametrize("answer", ODD_ANSWERS, ids=json.dumps)
def test_12_odd_json_from_get_is_a_remote_exception(fake, answer):
    client = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, retries=0)
    fake.then(
        "GET",
        "/v2/webhooks/7",
        200,
        {"Content-Type": "application/hal+json"},
        json.dumps(answer).encode(),
    )
    with pytest.raises(HelpScoutRemoteException):
        client.WebHook.get(7)


@pytest.mark.parametrize(
    "answer",
    [
        [1, 2],
        "x",
        {"_embedded": {"webhooks": [1, "x"]}},
        {"_embedded": {"webhooks": [{"events": 5}]}},
        {"_embedded": {"webhooks": [[1]]}},
        {"_embedded": {"webhooks": 5}},
    ],
    ids=json.dumps,
)
def test_12_odd_json_from_list_is_a_remote_exception(fake, answer):
    client = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, retries=0)
    fake.then(
        "GET",
        "/v2/webhooks",
        200,
        {"Content-Type": "application/hal+json"},
        json.dumps(answer).encode(),
    )
    with pytest.raises(HelpScoutRemoteException):
        client.WebHook.list()


def test_12_an_object_without_webhooks_is_an_empty_list_never_a_type_error(fake):
    """``{"events": 5}`` as a page has no ``_embedded``: Help Scout's way of saying there are
    no webhooks. Either answer is fine; a foreign exception is not."""
    client = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, retries=0)
    fake.then(
        "GET", "/v2/webhooks", 200, {"Content-Type": "application/hal+json"}, b'{"events": 5}'
    )
    try:
        assert client.WebHook.list() == []
    except HelpScoutRemoteException:
        pass


@pytest.mark.parametrize(
    "answer", [[1, 2], "x", {"events": 5}, {"access_token": 5}], ids=json.dumps
)
def test_12_odd_json_from_the_token_endpoint_is_a_remote_exception(fake, answer):
    fake.then(
        "POST",
        "/v2/oauth2/token",
        200,
        {"Content-Type": "application/json"},
        json.dumps(answer).encode(),
    )
    with pytest.raises(HelpScoutRemoteException) as err:
        HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, retries=0).WebHook.list()
    assert APP_SECRET not in str(err.value)


# -- Found while writing these tests ---------------------------------------------------------


def test_record_equal_is_false_for_other_types():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        results = [Customer(id=1).equal(other) for other in (5, "x", None, {"id": 1}, [1])]
    assert results == [False] * 5


def test_hostile_items_put_into_a_read_list_never_crash_the_interpreter():
    # Deciding whether a list read from a record still holds the body's items (to_api,
    # to_json, ==, hash, pickle) meets whatever a handler put there: a list holding itself,
    # nesting far past MAX_DEPTH, objects whose __eq__/__repr__ raise. The check itself
    # never calls them (types are compared first); writing such a value out raises, and
    # nothing recurses without bound.
    out = run_python(
        """
        import pickle
        from helpscout import HelpScoutWebHook
        from helpscout.exceptions import HelpScoutValidationException
        hook = HelpScoutWebHook(secret_key="s")
        body = b'{"id": 1, "n": [1, 2], "s": ["a", "b"]}'
        def rec():
            return hook.receive("customer.created", hook.sign(body), body).record
        calls = []
        class Hostile:
            __hash__ = None
            def __eq__(self, other):
                calls.append("eq"); raise RuntimeError("eq")
            def __repr__(self):
                calls.append("repr"); raise RuntimeError("repr")
        deep = []
        inner = deep
        for _ in range(10_000):
            inner.append([]); inner = inner[0]
        looped = rec(); looped.n[0] = looped.n
        nested = rec(); nested.n[0] = deep
        for r in (looped, nested):
            for write in (r.to_api, r.to_json, r.serialize, lambda: hash(r),
                          lambda: pickle.dumps(r), r.detach):
                try:
                    write()
                except HelpScoutValidationException as e:
                    assert "levels deep, or refers to itself" in str(e), e
                else:
                    raise AssertionError("a list holding itself was written out")
        hostile = rec(); hostile.s[0] = Hostile()
        h = hash(hostile)  # the check and the hash never call the item's methods
        assert calls == [], calls
        assert h != hash(rec())
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_an_encoding_that_only_claims_to_be_utf8_is_refused_as_before():
    # validate_signature skips passing the default encoding to the core; an object whose
    # __eq__ says (or raises) anything must still reach the core and be refused there.
    hook = hook_for()
    sig = hook.sign(b"{}")

    class Eq:
        def __eq__(self, other):
            return True

    class Boom:
        def __eq__(self, other):
            raise RuntimeError("boom")

    for encoding in (Eq(), Boom(), b"utf8", bytearray(b"utf8")):
        with pytest.raises(HelpScoutValidationException):
            hook.validate_signature(sig, b"{}", encoding)
    assert hook.validate_signature(sig, b"{}", "utf8") is True
    assert hook.validate_signature(sig, b"{}") is True
