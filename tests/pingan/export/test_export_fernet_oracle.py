"""The batch decryptor against its oracle: every token reads as ``MultiFernet.decrypt`` reads it.

``MultiFernet`` (no ``ttl``, as the service decrypts) is the oracle: for each token the
batch decryptor must give the same text, or refuse what it refuses. Tokens are made by
``Fernet`` itself and forged byte by byte (any version, timestamp, ciphertext length and
padding, signed under the right key, an unknown key or the key's halves swapped), then
re-encoded in every way base64 allows or almost allows.
"""

from __future__ import annotations

import base64
import os
import threading
import time

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pingan.export.fernet import BatchDecryptor, NotText


def _key(signing: bytes, encryption: bytes) -> str:
    return base64.urlsafe_b64encode(signing + encryption).decode()


def _signing(key: str) -> bytes:
    return base64.urlsafe_b64decode(key)[:16]


_SIGNING = [os.urandom(16) for _ in range(3)]
_ENCRYPTION = [os.urandom(16) for _ in range(4)]
#: Current, old, a key sharing the current key's signing half (its own encryption half),
#: and one no decryptor is given.
CURRENT = _key(_SIGNING[0], _ENCRYPTION[0])
OLD = _key(_SIGNING[1], _ENCRYPTION[1])
SAME_SIGNING = _key(_SIGNING[0], _ENCRYPTION[2])
UNKNOWN = _key(_SIGNING[2], _ENCRYPTION[3])
#: CURRENT with its halves swapped: encryption key used to sign, signing key to encrypt.
SWAPPED = _key(_ENCRYPTION[0], _SIGNING[0])
ALL_KEYS = [CURRENT, OLD, SAME_SIGNING, UNKNOWN, SWAPPED]

REFUSED, UNDECODABLE = "refused", "undecodable"


def _outcome(result: object) -> object:
    """A result as compared with the oracle: the text, or how it was refused."""
    if isinstance(result, str):
        return result
    if isinstance(result, NotText):
        return UNDECODABLE
    assert isinstance(result, Exception), result
    return REFUSED


def _oracle(keys: list[str], token: str) -> object:
    """What ``MultiFernet.decrypt`` without ``ttl`` makes of *token*, as ``_outcome``."""
    multi = MultiFernet([Fernet(key.encode()) for key in keys])
    try:
        return multi.decrypt(token).decode()
    except UnicodeDecodeError:
        return UNDECODABLE
    except (InvalidToken, ValueError, TypeError):
        return REFUSED


def _check(keys: list[str], tokens: list[str]) -> list[object]:
    results = BatchDecryptor(keys).decrypt(tokens)
    assert len(results) == len(tokens)
    outcomes = [_outcome(result) for result in results]
    assert outcomes == [_oracle(keys, token) for token in tokens]
    return outcomes


def _forge(
    key: str,
    padded: bytes,
    *,
    version: int = 0x80,
    timestamp: int = 0,
    iv: bytes = bytes(16),
    cut: int = 0,
) -> str:
    """A token of *padded* (no padding added) encrypted and signed under *key*; *cut*
    bytes dropped from the ciphertext's end before signing (not a multiple of 16)."""
    raw = base64.urlsafe_b64decode(key)
    size = len(padded) - len(padded) % 16
    encryptor = Cipher(algorithms.AES(raw[16:]), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded[:size]) + encryptor.finalize() + padded[size:]
    ciphertext = ciphertext[: len(ciphertext) - cut]
    body = bytes([version]) + timestamp.to_bytes(8, "big") + iv + ciphertext
    signer = hmac.HMAC(raw[:16], hashes.SHA256())
    signer.update(body)
    return base64.urlsafe_b64encode(body + signer.finalize()).decode()


def _pkcs7(message: bytes) -> bytes:
    pad = 16 - len(message) % 16
    return message + bytes((pad,)) * pad


keyrings = st.permutations([CURRENT, OLD, SAME_SIGNING]).flatmap(
    lambda keys: st.integers(1, 3).map(lambda n: list(keys[:n]))
)
texts = st.text(max_size=40) | st.from_regex(r"\A[0-9]{17}[0-9X]\Z")


@given(keyrings, st.lists(st.tuples(st.sampled_from(ALL_KEYS), texts), max_size=12))
@settings(max_examples=150, deadline=None)
def test_tokens_fernet_makes_read_as_multifernet_reads_them(keys, made):
    tokens = [Fernet(key.encode()).encrypt(text.encode()).decode() for key, text in made]
    outcomes = _check(keys, tokens)
    for (key, text), outcome in zip(made, outcomes, strict=True):
        # (Under a key sharing its signing half with a key listed before it, MultiFernet
        # itself may read garbage whose padding happens to be right: the oracle decides.)
        earlier = keys[: keys.index(key)] if key in keys else []
        if key in keys and not any(_signing(k) == _signing(key) for k in earlier):
            assert outcome == text
        elif key in (UNKNOWN, SWAPPED):
            assert outcome == REFUSED  # never garbage under another key


paddings = st.sampled_from(["pkcs7", "random", "bad-byte", "zero", "too-big", "overlong", "empty"])


@st.composite
def forged(draw) -> str:
    key = draw(st.sampled_from(ALL_KEYS))
    message = draw(st.binary(max_size=40) | st.text(max_size=20).map(str.encode))
    kind = draw(paddings)
    if kind == "pkcs7":
        padded = _pkcs7(message)
    elif kind == "random":
        padded = message + draw(st.binary(min_size=16 - len(message) % 16, max_size=16))
        padded = padded[: len(padded) - len(padded) % 16]
    elif kind == "bad-byte":  # PKCS7 with one padding byte (not the last) changed
        padded = bytearray(_pkcs7(message))
        pad = padded[-1]
        if pad > 1:
            padded[-draw(st.integers(2, pad))] ^= draw(st.integers(1, 255))
        padded = bytes(padded)
    elif kind == "zero":
        padded = _pkcs7(message)[:-1] + b"\x00"
    elif kind == "too-big":
        padded = _pkcs7(message)[:-1] + bytes((draw(st.integers(17, 255)),))
    elif kind == "overlong":  # n bytes of value n, n > 16: consistent, but not PKCS7
        n = draw(st.integers(17, 48))
        padded = bytes((n,)) * (-(-n // 16) * 16)
    else:
        padded = b""
    token = _forge(
        key,
        padded,
        version=draw(st.sampled_from([0x80, 0x80, 0x80, 0x00, 0x81, 0xFF])),
        timestamp=draw(st.sampled_from([0, int(time.time()), 2**63, 2**64 - 1])),
        iv=draw(st.binary(min_size=16, max_size=16)),
        cut=draw(st.sampled_from([0, 0, 0, 1, 15, 16])),
    )
    if draw(st.booleans()):  # one byte changed after signing: version to the MAC's last
        data = bytearray(base64.urlsafe_b64decode(token))
        data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        token = base64.urlsafe_b64encode(bytes(data)).decode()
    return token


@given(keyrings, st.lists(forged(), max_size=8))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_forged_tokens_read_as_multifernet_reads_them(keys, tokens):
    """Versions, timestamps, ciphertext lengths, paddings, non-UTF-8 text, wrong keys."""
    _check(keys, tokens)


@st.composite
def reencoded(draw) -> str:
    """A genuine token written another way: whitespace, padding, alphabet, extra data."""
    key = draw(st.sampled_from([CURRENT, OLD, UNKNOWN]))
    token = Fernet(key.encode()).encrypt(draw(texts).encode()).decode()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(token)))
        edit = draw(
            st.sampled_from(
                ["insert", "strip-padding", "add-padding", "std-alphabet", "append", "drop"]
            )
        )
        if edit == "insert":
            token = token[:at] + draw(st.sampled_from(list(" \n\t\r=.+/-_\x00é✗A"))) + token[at:]
        elif edit == "strip-padding":
            token = token.rstrip("=")
        elif edit == "add-padding":
            token += "=" * draw(st.integers(1, 3))
        elif edit == "std-alphabet":
            token = token.replace("-", "+").replace("_", "/")
        elif edit == "append":
            token += draw(st.sampled_from(["A", "AAAA", "gA==", "\n", " ", token]))
        else:
            token = token[:at] + token[at + 1 :]
    return token


@given(st.lists(reencoded(), min_size=1, max_size=6))
@settings(max_examples=300, deadline=None)
def test_tokens_written_other_ways_read_as_multifernet_reads_them(tokens):
    _check([CURRENT, OLD], tokens)


def test_a_token_reads_the_same_whatever_else_is_in_its_batch():
    good = [Fernet(key.encode()).encrypt(f"3204121990010100{i:02d}".encode()).decode()
            for i, key in enumerate([CURRENT, OLD] * 5)]  # fmt: skip
    odd = [
        _forge(CURRENT, b"\xff" + b"\x0f" * 15),  # not UTF-8
        _forge(CURRENT, b"A" * 16),  # bad padding
        _forge(UNKNOWN, _pkcs7(b"x")),
        _forge(CURRENT, b""),  # empty ciphertext
        None,
    ]
    decryptor = BatchDecryptor([CURRENT, OLD])
    alone = [decryptor.decrypt([token])[0] for token in good + odd]
    together = decryptor.decrypt(good + odd)
    assert [_outcome(r) if r is not None else None for r in together] == [
        _outcome(r) if r is not None else None for r in alone
    ]
    assert together[: len(good)] == [f"3204121990010100{i:02d}" for i in range(len(good))]


def test_genuine_tokens_do_not_need_the_slow_path(monkeypatch):
    """The equivalence above holds trivially if every token went through MultiFernet:
    tokens Fernet made under a listed key are read by the batch path itself."""
    decryptor = BatchDecryptor([CURRENT, OLD])
    tokens = [
        Fernet(key.encode()).encrypt(text.encode()).decode()
        for key in (CURRENT, OLD)
        for text in ("", "x" * 15, "y" * 16, "320412199001010011", "张三" * 40)
    ]

    def slow(token):
        raise AssertionError(f"slow path for {token!r}")

    monkeypatch.setattr(decryptor, "_slow", slow)
    assert decryptor.decrypt(tokens) == [
        MultiFernet([Fernet(CURRENT.encode()), Fernet(OLD.encode())]).decrypt(t).decode()
        for t in tokens
    ]


def test_the_timestamp_is_not_checked_as_multifernet_without_ttl():
    multi = MultiFernet([Fernet(CURRENT.encode())])
    tokens = [
        _forge(CURRENT, _pkcs7(b"13812345678"), timestamp=timestamp)
        for timestamp in (0, int(time.time()) + 10**9, 2**64 - 1)
    ]
    assert BatchDecryptor([CURRENT]).decrypt(tokens) == ["13812345678"] * 3
    assert [multi.decrypt(token) for token in tokens] == [b"13812345678"] * 3
    with pytest.raises(InvalidToken):  # with a ttl these would be refused
        multi.decrypt(tokens[0], ttl=60)


def test_the_signing_and_encryption_halves_are_not_interchangeable():
    genuine = _forge(CURRENT, _pkcs7(b"320412199001010011"))
    swapped = _forge(SWAPPED, _pkcs7(b"320412199001010011"))
    assert _check([CURRENT], [genuine, swapped]) == ["320412199001010011", REFUSED]


def test_a_shared_decryptor_reads_the_same_from_several_threads():
    keys = [CURRENT, OLD]
    tokens = [
        Fernet(keys[i % 2].encode()).encrypt(f"1381234{i:04d}".encode()).decode()
        for i in range(400)
    ]
    tokens[7] = tokens[7][:-8]
    decryptor = BatchDecryptor(keys)
    expected = decryptor.decrypt(tokens)
    seen: list[list[object]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                seen.append([_outcome(result) for result in decryptor.decrypt(tokens)])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(seen) == 80
    assert all(outcomes == [_outcome(result) for result in expected] for outcomes in seen)


def test_a_token_as_bytes_reads_as_multifernet_reads_it():
    token = Fernet(CURRENT.encode()).encrypt(b"320412199001010011")
    assert MultiFernet([Fernet(CURRENT.encode())]).decrypt(token) == b"320412199001010011"
    assert BatchDecryptor([CURRENT]).decrypt([token]) == ["320412199001010011"]


def _referenced_plaintext(error: BaseException, secrets: list[str]) -> list[str]:
    """Which *secrets* the error holds on to, in its traceback's frames' locals."""
    found = []
    frame_values: list[object] = []
    traceback = error.__traceback__
    while traceback is not None:
        frame_values.extend(traceback.tb_frame.f_locals.values())
        traceback = traceback.tb_next
    for secret in secrets:
        for value in frame_values:
            values = value if isinstance(value, list) else [value]
            if any(
                (isinstance(v, bytes | bytearray) and secret.encode() in v)
                or (isinstance(v, str) and secret in v)
                for v in values
            ):
                found.append(secret)
                break
    return found


def test_an_error_result_does_not_hold_other_rows_plaintext():
    secrets = [f"3204121990010100{i:02d}" for i in range(5)]
    tokens = [Fernet(CURRENT.encode()).encrypt(s.encode()).decode() for s in secrets]
    tokens.append(_forge(CURRENT, b"\xff" + b"\x0f" * 15))
    results = BatchDecryptor([CURRENT]).decrypt(tokens)
    assert results[:-1] == secrets
    assert isinstance(results[-1], NotText)
    assert results[-1].__traceback__ is None and results[-1].__context__ is None
    assert _referenced_plaintext(results[-1], secrets) == []


def test_only_base64url_tokens_take_the_batch_path(monkeypatch):
    tokens = []
    while len(tokens) < 5:
        token = Fernet(CURRENT.encode()).encrypt(b"320412199001010011").decode()
        if "-" in token or "_" in token:
            tokens.append(token.replace("-", "+").replace("_", "/"))
    decryptor = BatchDecryptor([CURRENT])
    slow: list[str] = []
    monkeypatch.setattr(decryptor, "_slow", lambda token: slow.append(token) or "slow")
    decryptor.decrypt(tokens)
    assert slow == tokens  # MultiFernet decides, under whatever rules this Python has
