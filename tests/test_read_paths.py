"""The fast paths of attribute reads (issue 11) give the same answers as the slow ones.

A field name's text is remembered per ``str`` object in a bounded cache, and snake_case
names are matched against plain camelCase keys without converting them. These tests read
through both paths (cached names, names past the cache's bound, ``str`` subclasses, keys
the plain rule does not cover) and check every answer against ``json.loads`` and the
original's snake_case rule; the hostile ones run in a subprocess.
"""

import json
import re
import subprocess
import sys
import textwrap

from helpscout import HelpScoutWebHook

KEY = "read-paths-secret"


def receive(payload, event="customer.created"):
    hook = HelpScoutWebHook(secret_key=KEY)
    body = json.dumps(payload).encode()
    return hook.receive(event, hook.sign(body), body).record


def original_snake(key):
    """helpscout 0.1.3's rule (two regex passes, then lower-case)."""
    s1 = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", key)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", s1).lower()


def test_names_past_the_cache_bound_still_read_right():
    # More distinct names than the cache keeps (4096): the first ones are kept, the rest
    # are read every time; every answer is the payload's.
    payload = {f"fieldNumber{i}": i for i in range(5000)}
    record = receive(payload)
    for _ in range(2):
        for i in range(5000):
            assert getattr(record, f"field_number{i}") == i
    assert record.field_number4999 == 4999


def test_a_str_subclass_name_reads_the_field_and_is_not_kept():
    class Name(str):
        pass

    record = receive({"firstName": "Ann", "lastName": "Lee"})
    assert getattr(record, Name("first_name")) == "Ann"
    assert getattr(record, Name("last_name")) == "Lee"
    assert record.first_name == "Ann"


def test_class_attributes_win_over_keys_through_the_cached_path():
    record = receive({"validate": "a field", "toApi": 1, "firstName": "Ann"})
    for _ in range(3):  # the second and third reads use the kept names
        assert callable(record.validate) and record["validate"] == "a field"
        assert callable(record.to_api)
        assert record.first_name == "Ann"


def test_snake_matching_agrees_with_the_original_rule_on_awkward_keys():
    keys = [
        "firstName",
        "photoURL",
        "HTMLBody",
        "userID2Fa",
        "address2Line",
        "created_at",
        "ABcDe",
        "X",
        "a_Bc",
        "social-profiles",
        "prénomNom",
        "ÉtéDate",
        "lastA",
        "zzTop",
    ]
    payload = {k: f"value of {k}" for k in keys}
    record = receive(payload)
    for key in keys:
        name = original_snake(key).replace("-", "_")
        assert getattr(record, name) == f"value of {key}", key
        assert record[key] == f"value of {key}", key
    # Near misses find nothing.
    for miss in ("first", "first_names", "photo_ur", "htmlbody", "user_id2fa"):
        assert getattr(record, miss, None) is None, miss


def test_the_last_of_two_spellings_wins_as_before():
    body = b'{"firstName": "camel", "first_name": "snake"}'
    hook = HelpScoutWebHook(secret_key=KEY)
    record = hook.receive("customer.created", hook.sign(body), body).record
    assert record.first_name == "snake"
    body = b'{"first_name": "snake", "firstName": "camel"}'
    record = hook.receive("customer.created", hook.sign(body), body).record
    assert record.first_name == "camel"


def test_many_dynamic_names_keep_memory_bounded():
    code = textwrap.dedent(
        """
        import json
        from helpscout import HelpScoutWebHook

        def rss_kb():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])

        hook = HelpScoutWebHook(secret_key="k")
        body = json.dumps({"firstName": "Ann"}).encode()
        record = hook.receive("customer.created", hook.sign(body), body).record
        for i in range(5000):  # fill the cache past its bound
            getattr(record, "name_%d" % i, None)
        start = rss_kb()
        for i in range(200_000):  # a fresh str object every time, 100-byte names
            getattr(record, ("x" * 90) + str(i), None)
        print(rss_kb() - start)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    growth_kb = int(out.stdout.strip())
    assert growth_kb < 4096, growth_kb


class _EqualsEverything(str):
    """A hostile name: hashes like every other and equals every key."""

    def __hash__(self):
        return 0

    def __eq__(self, other):
        return True


def test_a_str_subclass_that_equals_everything_reads_only_its_own_field():
    record = receive({"firstName": "Ann", "lastName": "Lee"})
    assert record.first_name == "Ann"  # cached under "first_name"
    assert getattr(record, _EqualsEverything("nope"), None) is None
    assert getattr(record, _EqualsEverything("last_name")) == "Lee"
    assert record.first_name == "Ann" and record.last_name == "Lee"
    fresh = receive({"firstName": "Ann", "lastName": "Lee"})
    assert getattr(fresh, _EqualsEverything("last_name")) == "Lee"  # read first this time
    # Once cached under a hostile name, that name must not answer for another one.
    assert getattr(fresh, _EqualsEverything("nope"), None) is None
    assert fresh.first_name == "Ann"
    with_items = receive({"firstName": "Ann"})
    assert with_items["first_name"] == "Ann"
    try:
        with_items[_EqualsEverything("nope")]
    except KeyError:
        pass
    else:
        raise AssertionError("a name equal to everything read another field")


def test_a_name_whose_eq_assigns_the_field_does_not_hang():
    code = textwrap.dedent(
        """
        import json
        from helpscout import HelpScoutWebHook

        hook = HelpScoutWebHook(secret_key="k")
        body = json.dumps({"firstName": "Ann"}).encode()
        record = hook.receive("customer.created", hook.sign(body), body).record
        record.first_name  # cached

        class Meddling(str):
            def __hash__(self):
                return hash(str(self))

            def __eq__(self, other):
                record.first_name = "changed"
                return str.__eq__(self, other)

        print(getattr(record, Meddling("first_name")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() in ("Ann", "changed")


def test_names_read_after_the_cache_was_emptied_are_still_right():
    record = receive({"firstName": "Ann", "photoUrl": "u"})
    for round_ in range(3):  # each round overflows the cache (4096 names) and empties it
        for i in range(5000):
            getattr(record, f"dynamic_{round_}_{i}", None)
        assert record.first_name == "Ann" and record.photo_url == "u"


def test_a_received_record_makes_its_members_on_first_read_whatever_surrounds_the_object():
    """``receive`` leaves the top-level member list to the record's first read. Whitespace
    around the object, a byte-order mark or a UTF-16 body read the same as the compact
    UTF-8 body, through every first use (a read, ``in``, ``to_api``, equality, pickle)."""
    import pickle

    payload = {"id": 7, "firstName": "Ana", "emails": [{"value": "a@x.test"}], "age": "30"}
    compact = json.dumps(payload, separators=(",", ":"))
    bodies = [
        compact.encode(),
        b" \r\n\t " + compact.encode() + b" \n",
        "\ufeff".encode() + compact.encode(),
        (" " + compact + "\n").encode("utf-16"),
        json.dumps(payload, indent=4).encode("utf-32"),
    ]
    hook = HelpScoutWebHook(secret_key=KEY)
    firsts = [
        lambda r: r.first_name == "Ana",
        lambda r: "first_name" in r and "nope" not in r,
        lambda r: r.to_api() == payload,
        lambda r: r == receive(payload),
        lambda r: pickle.loads(pickle.dumps(r)).to_api() == payload,
        lambda r: r.emails[0].value == "a@x.test",
    ]
    for body in bodies:
        for first in firsts:
            record = hook.receive("customer.created", hook.sign(body), body).record
            assert first(record), (body[:12], first)
            assert (record.id, record.first_name, record.age) == (7, "Ana", "30")
            assert record.to_api() == payload
