"""Signature checks: known answers, every input type, tampering, malformed headers,
rotation and secret hygiene (SECURITY-CHECKLIST.md A-F, H, I)."""

import base64
import hashlib
import hmac
import pickle
import random

import pytest

from helpscout import HelpScoutWebHook, _core
from helpscout.exceptions import (
    HelpScoutException,
    HelpScoutSecurityException,
    HelpScoutValidationException,
)

KEY = "It's a Secret to Everybody"
KNOWN = [
    (KEY, b"Hello, World!", "AdwQ0Mg+cu0kYhnN2RZpZn/iylk="),
    (KEY, b"", "m7VccR7Od8RxlGw3Oh8aWgUJEHQ="),
    (KEY, '{"subject":"Café ☃ 😀"}'.encode(), "sLSEG2+0FM1VcSWNWn+2P4TJn9o="),
    (KEY, b"\xff\xfe\x00", "unicY0LAjcFGdAxB5UIQAll0+9U="),
    ("a" * 40, b"{}", "i1uOPwfHucQi+LWY7L8TlBoMZt0="),
]


@pytest.mark.parametrize("secret,body,expected", KNOWN)
def test_known_answer_vectors(secret, body, expected):
    hook = HelpScoutWebHook(secret_key=secret)
    assert hook.sign(body) == expected
    assert _core.sign(secret.encode(), body) == expected
    assert hook.validate_signature(expected, body) is True


def test_sign_verify_round_trip_random_bodies():
    rng = random.Random(20261127)
    hook = HelpScoutWebHook(secret_key=KEY)
    for _ in range(300):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 400)))
        sig = hook.sign(body)
        assert sig == base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha1).digest()).decode()
        assert hook.validate_signature(sig, body)
        if body:
            i = rng.randrange(len(body))
            tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
            assert not hook.validate_signature(sig, tampered)


def test_body_and_signature_in_every_accepted_type():
    hook = HelpScoutWebHook(secret_key=KEY)
    body = '{"subject":"Café ☃ 😀"}'
    sig = "sLSEG2+0FM1VcSWNWn+2P4TJn9o="
    raw = body.encode()
    for data in (body, raw, bytearray(raw), memoryview(raw)):
        for s in (sig, sig.encode(), bytearray(sig.encode()), memoryview(sig.encode())):
            assert hook.validate_signature(s, data) is True, (type(s), type(data))


def test_str_body_uses_the_given_encoding():
    hook = HelpScoutWebHook(secret_key=KEY)
    body = "Grüße"
    assert hook.validate_signature(hook.sign(body.encode("latin-1")), body, "latin-1")
    assert not hook.validate_signature(hook.sign(body.encode("latin-1")), body)


def test_non_utf8_body_verifies():
    hook = HelpScoutWebHook(secret_key=KEY)
    assert hook.validate_signature("unicY0LAjcFGdAxB5UIQAll0+9U=", b"\xff\xfe\x00")


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "   ",
        "=",
        "AdwQ0Mg+",
        "AdwQ0Mg+cu0kYhnN2RZpZn/iylk",
        "AdwQ0Mg+cu0kYhnN2RZpZn/iylk==",
        "AdwQ0Mg-cu0kYhnN2RZpZn_iylk=",
        "BdwQ0Mg+cu0kYhnN2RZpZn/iylk=",
        "AdwQ0Mg+cu0kYhnN2RZpZn/iylg=",
        "AdwQ0Mg+cu0kYhnN2RZpZn/iylk=,AdwQ0Mg+cu0kYhnN2RZpZn/iylk=",
        "01dc10d0c83e72ed24621ccd3916996667fca259",
        "not base64 at all!!!!!!!!!!!",
        "ÄdwQ0Mg+cu0kYhnN2RZpZn/iyl=",
        b"\xff" * 28,
    ],
)
def test_bad_signatures_are_false_never_an_error(signature):
    hook = HelpScoutWebHook(secret_key=KEY)
    assert hook.validate_signature(signature, b"Hello, World!") is False


def test_whitespace_around_the_signature_is_ignored():
    hook = HelpScoutWebHook(secret_key=KEY)
    for sig in ("\nAdwQ0Mg+cu0kYhnN2RZpZn/iylk=\n", " AdwQ0Mg+cu0kYhnN2RZpZn/iylk=\r\n"):
        assert hook.validate_signature(sig, b"Hello, World!") is True
    # whitespace inside the value is not trimmed
    assert not hook.validate_signature("AdwQ0Mg+cu0k YhnN2RZpZn/iylk=", b"Hello, World!")


@pytest.mark.parametrize(
    "body",
    [b"Hello, World", b"Hello, World!\n", b"Hello, World! ", b"hello, World!", b"Hello, World!!"],
)
def test_tampered_bodies_are_rejected(body):
    hook = HelpScoutWebHook(secret_key=KEY)
    assert hook.validate_signature("AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", body) is False


@pytest.mark.parametrize(
    "signature,reason",
    [
        (None, "missing_signature"),
        ("", "missing_signature"),
        (" \n", "missing_signature"),
        ("garbage", "malformed_signature"),
        ("6902128b22fb324dc0bda23bfc1d7eef77ef0799", "malformed_signature"),
        ("BdwQ0Mg+cu0kYhnN2RZpZn/iylk=", "signature_mismatch"),
    ],
)
def test_receive_rejects_before_parsing_with_a_reason(signature, reason):
    hook = HelpScoutWebHook(secret_key=KEY)
    # the body is not even JSON: the signature error must come first
    with pytest.raises(HelpScoutSecurityException) as err:
        hook.receive("convo.created", signature, b"\x00 not json")
    assert err.value.reason == reason
    assert str(err.value) == "The signature provided by this request was invalid."
    assert err.value.message == "The signature provided by this request was invalid."
    assert isinstance(err.value, HelpScoutException)


def test_wrong_types_for_data_raise_type_error():
    hook = HelpScoutWebHook(secret_key=KEY)
    for data in (None, 12, 10**12, True, 1.5, [1, 2], object()):
        with pytest.raises(TypeError, match="data must be bytes, bytearray, memoryview or str"):
            hook.validate_signature("AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", data)


def test_rotation_reports_which_secret_matched_in_any_order():
    body = b'{"id": 1}'
    old, new = "old-secret", "new-secret"
    sig_old = HelpScoutWebHook(secret_key=old).sign(body)
    sig_new = HelpScoutWebHook(secret_key=new).sign(body)
    hook = HelpScoutWebHook(secret_key=new, secret_keys=[old])
    assert hook.verify(sig_new, body) == 0
    assert hook.verify(sig_old, body) == 1
    assert hook.receive("helpscout.test", sig_old, body).secret_index == 1
    assert hook.receive("helpscout.test", sig_new, body).secret_index == 0
    swapped = HelpScoutWebHook(secret_key=old, secret_keys=[new])
    assert swapped.verify(sig_new, body) == 1 and swapped.verify(sig_old, body) == 0
    neither = HelpScoutWebHook(secret_key=new, secret_keys=[old]).sign(b"other")
    assert hook.verify(neither, body) is None
    assert hook.validate_signature(sig_old, body) is True


@pytest.mark.parametrize("secret", ["", "   ", "\t\n", b"", 42, ["x"]])
def test_bad_secrets_fail_at_construction(secret):
    with pytest.raises(HelpScoutValidationException):
        HelpScoutWebHook(secret_key=secret)


def test_missing_secret_is_a_clear_error_when_used():
    hook = HelpScoutWebHook()
    with pytest.raises(HelpScoutValidationException, match="secret_key is not set"):
        hook.validate_signature("x", b"{}")
    hook.secret_key = KEY
    assert hook.validate_signature("AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"Hello, World!")


def test_secret_longer_than_40_characters_is_accepted_for_receiving():
    secret = "s" * 128  # Pipedream generates such secrets
    hook = HelpScoutWebHook(secret_key=secret)
    assert hook.validate_signature(hook.sign(b"{}"), b"{}")


def test_secret_never_in_repr_str_or_errors():
    secret = "very-private-secret-value"
    hook = HelpScoutWebHook(secret_key=secret, secret_keys=["older-private-secret"])
    expected = hook.sign(b"{}")
    texts = [repr(hook), str(hook), repr(hook._verifier)]
    for signature in (None, "bad", hook.sign(b"other")):
        with pytest.raises(HelpScoutSecurityException) as err:
            hook.receive("convo.created", signature, b"{}")
        texts += [str(err.value), repr(err.value), repr(err.value.args)]
    for text in texts:
        assert secret not in text and "older-private-secret" not in text, text
        assert expected not in text, text
    assert "redacted" in repr(hook)


def test_exceptions_pickle_with_their_reason():
    hook = HelpScoutWebHook(secret_key=KEY)
    with pytest.raises(HelpScoutSecurityException) as err:
        hook.receive("convo.created", "bad", b"{}")
    again = pickle.loads(pickle.dumps(err.value))
    assert type(again) is HelpScoutSecurityException
    assert again.reason == "malformed_signature"
    assert str(again) == str(err.value)


def test_hook_pickles_and_compares():
    hook = HelpScoutWebHook(
        secret_key=KEY, url="https://example.com/hook", events=["convo.created"]
    )
    again = pickle.loads(pickle.dumps(hook))
    assert again == hook
    assert again.validate_signature("AdwQ0Mg+cu0kYhnN2RZpZn/iylk=", b"Hello, World!")


def test_unknown_constructor_argument_is_a_type_error():
    with pytest.raises(TypeError, match="secret_kye"):
        HelpScoutWebHook(secret_kye=KEY)


def test_concurrent_verification_from_threads():
    import threading

    hook = HelpScoutWebHook(secret_key=KEY)
    bodies = [bytes([i]) * (i * 997 % 40000) for i in range(64)]
    sigs = [hook.sign(b) for b in bodies]
    failures = []

    def work(offset):
        for i in range(len(bodies)):
            j = (i + offset) % len(bodies)
            if not hook.validate_signature(sigs[j], bodies[j]):
                failures.append(j)
            if hook.validate_signature(sigs[j], bodies[j] + b"x"):
                failures.append(-j)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
