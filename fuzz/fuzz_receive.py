#!/usr/bin/env python3
"""Coverage-guided fuzzing of ``HelpScoutWebHook.receive`` and every record operation.

Drives the built extension (``helpscout._core``) with atheris. One input is split into an
event name, a signature mode and a body:

    <mode byte><event name>\\n<body>      (the head is at most 80 bytes)

or, without a newline in its first 80 bytes, the whole input is a ``convo.created`` body
signed the plain way. The body is signed with a fixed secret, so the parser is reached;
the mode's low nibble picks how (some modes send a wrong, missing or garbage signature,
the body as ``str``, ``bytearray`` or ``memoryview``, or go through ``receive_headers``);
its bits 0x10 and 0x20 skip the presentation (repr, HTML, serialize) and persistence
(pickle, copy, envelope) operations, so the fuzzer can spend its time elsewhere while
every operation stays covered. ``#<byte>`` as the event name picks a catalogued event,
``~`` sends None.

Allowed outcomes: success, or a ``HelpScoutException`` subclass from ``receive`` (the
right one: a forged signature must be ``HelpScoutSecurityException``). Everything else is
a finding: any other exception, a crash (libFuzzer records it), a hang (``-timeout``), and
after a successful ``receive`` any exception at all from the record operations, or one of
these broken promises:

- the library accepts exactly what ``json.loads`` accepts as a JSON object (strictly
  decoded, no ``NaN``/``Infinity``), up to the documented limits (``MAX_DEPTH``,
  ``MAX_INT_DIGITS``, no float literal beyond f64 such as ``1e999``), and
  ``record.to_api()`` equals ``json.loads(body)``;
- ``to_json``, pickle, ``detach`` and ``receive_envelope(event.to_envelope())`` give back
  an equal value with an equal hash;
- a payload error is a ``json.JSONDecodeError`` too;
- reading every field changes nothing, and a list read from a record, reversed, shows in
  ``to_api()`` (when its ends differ) and, reversed back, is no change at all.

Run it through ``scripts/fuzz.sh`` (a bounded run in a subprocess); ``python
fuzz/fuzz_receive.py --seeds DIR`` writes the seed corpus, ``--bodies DIR`` the bodies alone
(seeds for the cargo-fuzz ``scan`` target).
"""

from __future__ import annotations

import base64
import codecs
import copy
import glob
import json
import os
import pathlib
import pickle
import sys

import atheris

# Filled by _load() on the first input (see there).
helpscout = _core = HOOK = ROTATED = None
HelpScoutException = HelpScoutPayloadError = HelpScoutSecurityException = None
MAX_DEPTH = MAX_INT_DIGITS = 0
EVENTS: list = []
CLASS_NAMES: set = set()

SECRET = "fuzz-secret-0123456789"
OLD_SECRET = "fuzz-old-secret"
HEAD_MAX = 80
WALK_BUDGET = 600  # values read per input, so one input stays fast

# An extension built with coverage instrumentation (scripts/fuzz.sh --instrumented) lives in
# an overlay directory holding a copy of the package.
OVERLAY = os.environ.get("HELPSCOUT_FUZZ_OVERLAY")


def _load() -> None:
    """Import the package under test. With an instrumented extension this happens once
    libFuzzer runs: its coverage hooks (in atheris's core) are made global first, so the
    extension's counters register with the running fuzzer and guide it through Rust code."""
    global helpscout, _core, HOOK, ROTATED, MAX_DEPTH, MAX_INT_DIGITS, EVENTS, CLASS_NAMES
    global HelpScoutException, HelpScoutPayloadError, HelpScoutSecurityException
    if OVERLAY:
        import ctypes

        sys.path.insert(0, OVERLAY)
        for core in glob.glob(os.path.join(os.path.dirname(atheris.__file__), "core_with*.so")):
            try:
                ctypes.CDLL(core, mode=os.RTLD_GLOBAL | os.RTLD_NOLOAD)
            except OSError:
                pass  # not the core that is running
    with atheris.instrument_imports(include=["helpscout"]):
        import helpscout as package
        from helpscout import exceptions

    helpscout, _core = package, package._core
    if OVERLAY:
        assert _core.__file__.startswith(OVERLAY), _core.__file__
    HelpScoutException = exceptions.HelpScoutException
    HelpScoutPayloadError = exceptions.HelpScoutPayloadError
    HelpScoutSecurityException = exceptions.HelpScoutSecurityException
    HOOK = package.HelpScoutWebHook(secret_key=SECRET)
    ROTATED = package.HelpScoutWebHook(secret_key="fuzz-new-secret", secret_keys=[OLD_SECRET])
    MAX_DEPTH, MAX_INT_DIGITS = _core.MAX_DEPTH, _core.MAX_INT_DIGITS
    EVENTS = [name for name, *_ in _core.events()]
    CLASS_NAMES = {n for k in _core.KINDS for n in dir(getattr(_core, k))}


class Finding(AssertionError):
    """A broken promise (as opposed to a crash, which libFuzzer sees by itself)."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise Finding(message)


# ---------------------------------------------------------------------------------------
# What Python's json accepts, strictly (the library's promise, up to its limits).


def _depth(value: object) -> int:
    """Nesting depth of containers (an object alone is 1), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            deepest = max(deepest, d)
            stack.extend((x, d + 1) for x in v)
    return deepest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def strict_loads(text: str) -> object:
    """``json.loads`` that refuses ``NaN`` and ``Infinity`` (not JSON)."""
    return json.loads(text, parse_constant=_no_constant)


def _finite_float(text: str) -> float:
    """A float literal no double holds (``1e999``) is refused by the library on purpose
    (it would read as infinity, which JSON cannot write back)."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is beyond the largest double")
    return value


def python_reading(body: bytes) -> tuple[bool, object]:
    """(accepted, value): ``json.loads`` of strictly decoded bytes, as one object."""
    try:
        text = body.decode(json.detect_encoding(body))  # strict: no lone surrogates
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, RecursionError, UnicodeError):
        return False, None
    if not isinstance(value, dict) or _depth(value) > MAX_DEPTH:
        return False, None
    return True, value


# ---------------------------------------------------------------------------------------
# The operations on an accepted delivery.


def walk(value: object, budget: list) -> None:
    """Read every field of records (attributes and items) and every list item, bounded."""
    stack = [value]
    top = True
    while stack:
        v = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            return
        if isinstance(v, _core.Record):
            for name in v.keys():
                item = v[name]
                attr = getattr(v, name)
                if top:
                    check(name in v, f"keys() lists {name!r} but it is not `in` the record")
                    check(v.get(name, KeyError) is not KeyError, f"get({name!r}) misses it")
                if name in CLASS_NAMES or name.startswith("__"):
                    try:
                        own = object.__getattribute__(v, name)
                    except AttributeError:
                        own = item  # no such attribute on the class: the field is read
                    if own is not item:
                        # a method or dunder wins over the field; the field stays an item
                        check(attr is own or attr == own, f"field {name!r} shadows the class")
                        continue
                check(attr is item or attr == item, f"attribute and item {name!r} differ")
                stack.append(item)
            top = False
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())


PRESENT = 0x10  # mode bits that turn groups of operations OFF (0: all on), so the fuzzer
PERSIST = 0x20  # spends its time where it finds something while every group stays covered


def exercise_record(record: _core.Record, api: object, mode: int) -> None:
    cls = type(record)
    check(record.to_api() == api, "to_api() differs from json.loads of the body")
    check(strict_loads(record.to_json()) == api, "to_json() does not load to to_api()")
    check(record == record and not (record != record), "a record is not equal to itself")
    h = hash(record)
    check(record.validate() is True, "validate() is not True")
    if not mode & PRESENT:
        record.serialize()
        record.to_dict()
    detached = record.detach()
    check(type(detached) is cls, "detach changed the class")
    check(detached == record and hash(detached) == h, "detach changed the value or hash")
    if not mode & PERSIST:
        clone = pickle.loads(pickle.dumps(record))
        check(type(clone) is cls, "pickle changed the class")
        check(clone == record and hash(clone) == h, "pickle changed the value or hash")
        check(copy.copy(record) == record, "copy changed the value")

    walk(record, [WALK_BUDGET])
    # Reading (the walk) changes nothing; a list changed in place shows, and changed back
    # it is no change at all.
    check(record.to_api() == api and hash(record) == h, "reading changed the record")
    for name in record.keys()[:8]:
        v = record[name]
        if isinstance(v, list) and len(v) >= 2:
            differ = v[0] != v[-1]
            v.reverse()
            check(not differ or record.to_api() != api, "a reversed list did not show")
            v.reverse()
            check(record.to_api() == api and hash(record) == h, "a list changed back counts")
            check(strict_loads(record.to_json()) == api, "to_json after a list changed back")
            break
    # nested records get the same operations, shallowly
    for name in record.keys()[:8]:
        v = record[name]
        if isinstance(v, _core.Record):
            v.to_api()
            hash(v)
            check(v.detach() == v, "detach of a nested record differs")
            if not mode & PRESENT:
                v.serialize()
                repr(v)
            if not mode & PERSIST:
                check(pickle.loads(pickle.dumps(v)) == v, "pickle of a nested record differs")

    # assignment: an overlay; the body never changes
    detached["fuzzField"] = [1, "two", None, {"three": 3.5}]
    detached.fuzz_attr = "x"
    check(detached["fuzzField"][1] == "two", "an assigned item does not read back")
    check(detached.fuzz_attr == "x", "an assigned attribute does not read back")
    modified = detached.to_api()
    # an assigned name is one field whatever its spelling; to_api writes it under one of them
    written = [modified.get(k) for k in ("fuzzField", "fuzz_field") if k in modified]
    check(written == [[1, "two", None, {"three": 3.5}]], "to_api lost an assigned item")
    check(detached != record or "fuzzField" in api, "assignment changed nothing")
    check(record.to_api() == api, "assigning to a copy changed the original")
    check(strict_loads(detached.to_json()) == modified, "to_json of a modified record")
    check(detached.detach() == detached, "detach of a modified record")
    if not mode & PERSIST:
        check(pickle.loads(pickle.dumps(detached)) == detached, "pickle of a modified record")
    hash(detached)
    if not mode & PRESENT:
        detached.serialize()
        repr(detached)
    keys = record.keys()
    if keys:
        first = keys[0]
        if first.startswith("__") or hasattr(cls, first):
            try:
                setattr(detached, first, 1)
            except AttributeError:
                pass  # methods cannot be replaced; documented
            else:
                raise Finding(f"assigning to method name {first!r} succeeded")
        detached[first] = None
        check(detached[first] is None, "item assignment over a payload field")
        detached.to_api()
    del detached["fuzzField"]
    del detached.fuzz_attr


def exercise(event: object, hook: object, body: bytes, event_type: object, mode: int) -> None:
    accepted, api = python_reading(body)
    check(accepted, "the library accepted a body that json.loads (strict) refuses")
    got = event.event_type
    if got is None:
        check(event_type is None or not event_type.strip(), "a named event lost its name")
    else:
        # the header is trimmed of (Unicode) whitespace, nothing else
        at = event_type.find(got) if got else -1
        rest = event_type[:at] + event_type[at + len(got) :] if at >= 0 else "x"
        check(at >= 0 and (not rest or rest.isspace()), f"event_type {got!r} changed")
    record = event.record
    check(isinstance(record, _core.Record), "the record is not a Record")
    for attr in (
        "is_test",
        "is_known",
        "description",
        "deleted_resource",
        "payload_version",
        "secret_index",
        "dedupe_key",
        "signature",
        "shape_matches",
    ):
        getattr(event, attr)
    event.to_api()
    check(event == event, "an event is not equal to itself")
    h = hash(event)
    if not mode & PRESENT:
        repr(event)  # the record's repr inside
        event._repr_html_()  # and its HTML table
    if not mode & PERSIST:
        again = pickle.loads(pickle.dumps(event))
        check(again == event and hash(again) == h, "pickle changed the event")
        check(again.secret_index == event.secret_index, "pickle lost secret_index")
        envelope = event.to_envelope()
        json.dumps(envelope)  # JSON-safe
        back = hook.receive_envelope(envelope)
        check(back == event and hash(back) == h, "receive_envelope(to_envelope()) differs")
        check(back.secret_index == event.secret_index, "the envelope lost secret_index")
        check(back.dedupe_key == event.dedupe_key, "the envelope changed dedupe_key")
    exercise_record(record, api, mode)


# ---------------------------------------------------------------------------------------
# One input.


def split(data: bytes) -> tuple[int, object, bytes]:
    nl = data.find(b"\n", 0, HEAD_MAX)
    if nl < 1:
        return 0, "convo.created", data
    mode = data[0]
    raw = data[1:nl]
    body = data[nl + 1 :]
    if raw[:1] == b"#" and len(raw) > 1:  # an index into the catalogue
        event_type: object = EVENTS[raw[1] % len(EVENTS)]
    elif raw == b"~":
        event_type = None
    else:
        # may hold lone surrogates (an undecodable header): must be a library exception
        event_type = raw.decode("utf-8", "surrogateescape")
    return mode, event_type, body


def deliver(mode: int, event_type: object, body: bytes):
    """Receive the body the way `mode` says; (event, hook, forged)."""
    sig = HOOK.sign(body)
    m = (mode & 0x0F) % 12
    if m == 0:
        return HOOK.receive(event_type, sig, body), HOOK, False
    if m == 1:
        return HOOK.receive(event_type, (" %s\r\n" % sig).encode(), bytearray(body)), HOOK, False
    if m == 2:
        return HOOK.receive(event_type, sig, memoryview(body)), HOOK, False
    if m == 3:  # the body as str; it may hold lone surrogates
        text = body.decode("utf-8", "surrogateescape")
        try:
            sig = HOOK.sign(text.encode("utf-8"))
        except UnicodeEncodeError:
            pass
        return HOOK.receive(event_type, sig, text), HOOK, False
    if m == 4:
        headers = {"X-HelpScout-Event": event_type, "x-helpscout-signature": sig}
        return HOOK.receive_headers(headers, body), HOOK, False
    if m == 5:
        environ = {"HTTP_X_HELPSCOUT_EVENT": event_type, "HTTP_X_HELPSCOUT_SIGNATURE": sig}
        return HOOK.receive_headers(environ, body), HOOK, False
    if m == 6:  # rotation: signed with the older secret
        event = ROTATED.receive(event_type, _core.sign(OLD_SECRET.encode(), body), body)
        check(event.secret_index == 1, "the older secret did not give secret_index 1")
        return event, ROTATED, False
    if m == 7:  # one bit off
        raw = bytearray(base64.b64decode(sig))
        raw[len(body) % 20] ^= 1 << (len(body) % 8)
        return HOOK.receive(event_type, base64.b64encode(bytes(raw)), body), HOOK, True
    if m == 8:
        return HOOK.receive(event_type, None, body), HOOK, True
    if m == 9:  # a header made of the body's first bytes
        garbage = body[:40].decode("utf-8", "surrogateescape")
        check(HOOK.validate_signature(garbage, body) is False, "garbage signature is valid")
        return HOOK.receive(event_type, garbage, body), HOOK, True
    if m == 10:
        check(HOOK.validate_signature(sig, body) is True, "a good signature is invalid")
        check(HOOK.verify(sig.encode(), bytearray(body)) == 0, "verify() is not 0")
        return HOOK.receive(event_type, sig.encode(), body), HOOK, False
    # the signature and the event as bytes-like / odd types
    return HOOK.receive(event_type, memoryview(sig.encode()), body), HOOK, False


def _selftest(kind: str) -> None:
    """Fail on purpose, so the tests can check that the runner reports each kind."""
    if kind == "segv":
        import ctypes

        ctypes.string_at(0)  # a NULL read: SIGSEGV
    elif kind == "abort":
        os.abort()
    elif kind == "hang":
        import time

        time.sleep(3600)
    elif kind == "exception":
        raise RuntimeError("self-test: a non-library exception")


def TestOneInput(data: bytes) -> None:
    if HOOK is None:
        _load()
        selftest = os.environ.get("HELPSCOUT_FUZZ_SELFTEST")
        if selftest:
            _selftest(selftest)
    mode, event_type, body = split(data)
    try:
        event, hook, forged = deliver(mode, event_type, body)
    except HelpScoutSecurityException:
        return
    except HelpScoutPayloadError as e:
        check(isinstance(e, json.JSONDecodeError), "a payload error is not a JSONDecodeError")
        check(isinstance(e.reason, str) and e.reason, "a payload error without a reason")
        if (mode & 0x0F) % 12 in (0, 1, 2, 4, 5, 6, 10, 11) and isinstance(event_type, str):
            accepted, _ = python_reading(body)
            if accepted:
                raise Finding(
                    f"the library refused ({e.reason}: {e}) a JSON object json.loads accepts"
                ) from e
        return
    except HelpScoutException:
        return
    if forged:
        raise Finding("a forged or missing signature was accepted")
    exercise(event, hook, body, event_type, mode)


# ---------------------------------------------------------------------------------------
# Seeds.


def _mode(m: int) -> bytes:
    """The mode byte for mode `m` (10 is written 0x4A: a newline would end the head)."""
    return bytes([m | 0x40 if m == 10 else m])


def seeds() -> dict:
    """name -> input: the signed fixtures and hostile bodies."""
    out: dict = {}
    fixtures = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures"
    for i, path in enumerate(sorted(fixtures.glob("*.json"))):
        event, body = path.name[: -len(".json")].encode(), path.read_bytes()
        out[f"fixture-{path.stem}"] = _mode(i % 12) + event + b"\n" + body
        # and each through the plain path, under a catalogued event of another family
        other = b"#" + bytes([0x80 | i * 7 % 128])
        out[f"fixture-{path.stem}-other"] = b"\x00" + other + b"\n" + body
    d = MAX_DEPTH

    def nest(open_: str, close: str, n: int, inner: str = "1") -> bytes:
        return ('{"a":' + open_ * (n - 1) + inner + close * (n - 1) + "}").encode()

    hostile = {
        "depth-limit-arrays": nest("[", "]", d),
        "depth-over-arrays": nest("[", "]", d + 1),
        "depth-limit-objects": nest('{"a":', "}", d),
        "depth-over-objects": nest('{"a":', "}", d + 1),
        "depth-huge": ('{"a":' + "[" * 5000).encode(),
        "int-limit": b'{"id": ' + b"9" * MAX_INT_DIGITS + b"}",
        "int-over": b'{"id": -' + b"9" * (MAX_INT_DIGITS + 1) + b"}",
        "float-long": b'{"id": ' + b"9" * (MAX_INT_DIGITS + 5) + b".5e-3}",
        "big-ints": b'{"id": 18446744073709551616, "n": -9223372036854775809, "f": 1e999}',
        "lone-surrogates": b'{"subject": "a\\ud800b", "k\\udc00": "\\udfff\\ud800", '
        b'"ok": "\\ud83d\\ude00"}',
        "utf8-bom": codecs.BOM_UTF8 + b'{"id": 1, "subject": "caf\xc3\xa9"}',
        "utf16le-bom": codecs.BOM_UTF16_LE + '{"id": 1, "s": "é😀"}'.encode("utf-16-le"),
        "utf16be": '{"id": 1, "s": "é"}'.encode("utf-16-be"),
        "utf32le": '{"id": 1}'.encode("utf-32-le"),
        "utf32be-bom": codecs.BOM_UTF32_BE + '{"id": 1}'.encode("utf-32-be"),
        "duplicate-keys": b'{"id": 1, "id": 2, "subject": "a", "subject": {"x": 1}}',
        "method-keys": json.dumps(
            {
                k: i
                for i, k in enumerate(
                    [
                        "get",
                        "keys",
                        "toApi",
                        "to_api",
                        "serialize",
                        "toJson",
                        "fromApi",
                        "_repr_html_",
                        "__class__",
                        "__reduce_ex__",
                        "__dict__",
                        "validate",
                        "detach",
                        "equal",
                        "getNonEmptyVals",
                        "__hash__",
                        "__eq__",
                        "id",
                    ]
                )
            }
        ).encode(),
        "snake-collisions": b'{"firstName": "a", "first_name": "b", "FirstName": "c", '
        b'"": 1, "_": 2}',
        "control-escapes": b'{"s": "\\u0000\\b\\f\\n\\r\\t\\"\\\\\\/", "t": "\\u001f"}',
        "nan": b'{"a": NaN, "b": Infinity}',
        "whitespace": b' \t\r\n{"a" : [ 1 , 2 ] } \n',
        "not-object": b"[1, 2, 3]",
        "empty": b"",
        "big-object": ("{" + ",".join(f'"k{i}": {i}' for i in range(300)) + "}").encode(),
        "aliases-v2": b'{"id": 1, "threads": 3, "_embedded": {"threads": [{"id": 9, '
        b'"createdBy": {"type": "customer"}}]}, "primaryCustomer": {"id": 2}, '
        b'"assignee": {"id": 3}, "mailboxId": 4, "state": "draft", "customFields": '
        b'[{"id": 1, "value": "x"}], "tags": [{"tag": "a"}], "createdAt": "2020-02-30T25:00:00Z"}',
        "dates": b'{"createdAt": "2020-01-01T00:00:00.123456789+05:30", "modifiedAt": '
        b'"not a date", "closedAt": 5, "userUpdatedAt": "9999-12-31T23:59:59Z"}',
    }
    signed = (0, 1, 2, 3, 4, 5, 6, 10, 11)  # the modes that reach the parser
    for i, (name, body) in enumerate(hostile.items()):
        event = b"#" + bytes([0x80 + i]) if i % 3 else b"convo.created"
        out[f"hostile-{name}"] = _mode(signed[i % len(signed)]) + event + b"\n" + body
    out["odd-event-surrogate"] = b"\x00\xff\xfe\n{}"
    out["odd-event-none"] = b"\x00~\n{}"
    out["no-head"] = b'{"id": 1}'
    return out


def write_seeds(directory: str, bodies_only: bool = False) -> None:
    """The seeds as inputs of this harness, or (``--bodies``) their bodies alone, the seeds
    of the cargo-fuzz ``scan`` target."""
    target = pathlib.Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for name, data in seeds().items():
        if bodies_only:
            data = split(data)[2]
        (target / name).write_bytes(data)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] in ("--seeds", "--bodies"):
        _load()
        write_seeds(sys.argv[2], bodies_only=sys.argv[1] == "--bodies")
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
