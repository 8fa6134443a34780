"""The cryptographic core: scrypt + AES-256-GCM from `cryptography`, with clear errors for
every damaged input and a passphrase read like restic's."""

from __future__ import annotations

import base64
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit import AnswersError, PassphraseError, ToolkitError, crypto

FAST = {"n": 2**10, "r": 8, "p": 1}  # cheap scrypt for tests; one test uses the defaults


@pytest.fixture(scope="module")
def key_and_file():
    return crypto.new_key("open sesame", **FAST)


@given(st.binary(max_size=5000))
def test_round_trip_and_nothing_readable(key_and_file, data):
    key, _ = key_and_file
    sealed = crypto.seal(key, data)
    assert crypto.is_sealed(sealed) and crypto.key_id_of(sealed) == key.key_id
    assert crypto.unseal(key, sealed, "f") == data
    if len(data) >= 16:  # the plaintext never appears in what is written
        assert data not in sealed[crypto.HEADER_BYTES:]


def test_every_seal_uses_a_fresh_nonce(key_and_file):
    key, _ = key_and_file
    assert crypto.seal(key, b"same") != crypto.seal(key, b"same")


def test_the_default_parameters_unlock_and_a_wrong_passphrase_is_refused():
    key, doc = crypto.new_key("a real passphrase")
    assert json.loads(doc)["n"] == crypto.SCRYPT_N
    assert crypto.unlock(doc, "a real passphrase", "k").secret == key.secret
    with pytest.raises(PassphraseError, match="k: wrong passphrase"):
        crypto.unlock(doc, "a real passphrase ", "k")


def test_the_key_never_shows_in_its_repr(key_and_file):
    key, _ = key_and_file
    for text in (repr(key), str(key), f"{key}", repr([key])):
        for form in (key.secret.hex(), base64.b64encode(key.secret).decode(), repr(key.secret)):
            assert form not in text


@pytest.mark.parametrize("how, message", [
    ("empty", "not an encrypted answers file"), ("magic", "not an encrypted answers file"),
    ("header-only", "truncated"), ("key-id", "encrypted with a different passphrase"),
    ("nonce", "damaged or altered"), ("body", "damaged or altered"), ("tag", "damaged or altered"),
    ("cut", "damaged or altered"),
])
def test_hostile_sealed_bytes_are_named_errors(key_and_file, how, message):
    key, _ = key_and_file
    good = crypto.seal(key, b'{"format": "redflag-answers"}')
    bad = {"empty": b"", "magic": b"X" + good[1:], "header-only": good[:crypto.HEADER_BYTES + 3],
           "key-id": good[:8] + bytes(8) + good[16:], "nonce": good[:20] + bytes([good[20] ^ 1]) + good[21:],
           "body": good[:30] + bytes([good[30] ^ 1]) + good[31:], "tag": good[:-1] + bytes([good[-1] ^ 1]),
           "cut": good[:-3]}[how]
    with pytest.raises(AnswersError, match=rf"^the-file: .*{message}"):
        crypto.unseal(key, bad, "the-file")


@given(st.binary(max_size=200))
def test_flipping_any_bit_is_noticed(key_and_file, noise):
    key, _ = key_and_file
    good = crypto.seal(key, b"answers" + noise)
    for position in range(0, len(good), 7):
        bad = good[:position] + bytes([good[position] ^ 0x80]) + good[position + 1:]
        with pytest.raises(AnswersError):
            crypto.unseal(key, bad, "f")


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                        max_size=4), max_leaves=8)


@given(st.dictionaries(st.sampled_from(["format", "kdf", "n", "r", "p", "salt", "key_id", "check", "x"]),
                       json_values, max_size=8))
def test_a_malformed_key_file_is_only_ever_a_toolkit_error(key_and_file, changes):
    _, doc = key_and_file
    data = {**json.loads(doc), **changes}
    try:
        crypto.unlock(json.dumps(data).encode(), "open sesame", "key")
    except ToolkitError as exc:
        assert str(exc).startswith("key: ")


def test_read_passphrase_follows_file_then_variable_then_prompt(tmp_path):
    secret = tmp_path / "p"
    secret.write_text("from the file\n", encoding="utf-8")
    tty = io.StringIO()
    tty.isatty = lambda: True  # type: ignore[method-assign]
    asked = iter(["typed", "typed", "typed", "other"])
    prompt = lambda _text: next(asked)  # noqa: E731
    assert crypto.read_passphrase(str(secret), env={"REDFLAG_PASSPHRASE": "env"}) == "from the file"
    assert crypto.read_passphrase(None, env={"REDFLAG_PASSPHRASE": "env"}, stdin=tty) == "env"
    assert crypto.read_passphrase(None, env={}, stdin=tty, prompt=prompt, confirm=True) == "typed"
    with pytest.raises(PassphraseError, match="differ"):
        crypto.read_passphrase(None, env={}, stdin=tty, prompt=prompt, confirm=True)
    with pytest.raises(PassphraseError, match="no passphrase given"):
        crypto.read_passphrase(None, env={}, stdin=io.StringIO())
    with pytest.raises(PassphraseError, match="cannot read the passphrase file"):
        crypto.read_passphrase(str(tmp_path / "missing"), env={})
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    with pytest.raises(PassphraseError, match="must not be empty"):
        crypto.read_passphrase(str(tmp_path / "empty"), env={})


@pytest.mark.parametrize("n, r, p", [(2**20, 1, 1), (2**20, 16, 1), (2**10, 64, 1), (2**10, 8, 99), (1000, 8, 1)])
def test_scrypt_parameters_that_would_exhaust_memory_are_refused(key_and_file, n, r, p):
    _, doc = key_and_file
    data = {**json.loads(doc), "n": n, "r": r, "p": p}
    with pytest.raises(AnswersError, match="implausible scrypt parameters"):
        crypto.unlock(json.dumps(data).encode(), "open sesame", "key")


def test_the_same_passphrase_in_another_unicode_form_unlocks():
    """"café" typed as one code point or as e + combining accent is the same passphrase: each form
    unlocks the key the other made (the very key: it opens what the other sealed)."""
    for made, typed in (("caf\u00e9", "cafe\u0301"), ("cafe\u0301", "caf\u00e9")):
        assert made != typed
        key, doc = crypto.new_key(made, **FAST)
        got = crypto.unlock(doc, typed, "k")
        assert (got.key_id, got.secret) == (key.key_id, key.secret)
        assert crypto.unseal(got, crypto.seal(key, b"my answers"), "f") == b"my answers"
    with pytest.raises(PassphraseError):  # and a different word still does not
        crypto.unlock(doc, "cafe", "k")
