"""The batch decryptor reads every token as MultiFernet does, and refuses what it refuses."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, MultiFernet

from pingan.export.fernet import BatchDecryptor

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TEXTS = ["", "1", "320412199001010011", "13812345678", "x" * 15, "y" * 16, "张三" * 40]


def _tampered(token: str) -> str:
    data = bytearray(base64.urlsafe_b64decode(token))
    data[30] ^= 1  # a ciphertext bit: the signature no longer matches
    return base64.urlsafe_b64encode(bytes(data)).decode()


def test_texts_under_every_key_read_as_multifernet_reads_them():
    tokens = [
        Fernet(key.encode()).encrypt(t.encode()).decode() for key in (NEW, OLD) for t in TEXTS
    ]
    tokens.append(None)
    results = BatchDecryptor([NEW, OLD]).decrypt(tokens)
    multi = MultiFernet([Fernet(NEW.encode()), Fernet(OLD.encode())])
    assert results[:-1] == [multi.decrypt(t.encode()).decode() for t in tokens[:-1]]
    assert results[-1] is None


def test_a_token_no_key_reads_is_an_error_for_that_token_only():
    good = Fernet(NEW.encode()).encrypt(b"13812345678").decode()
    other = Fernet(Fernet.generate_key()).encrypt(b"13812345678").decode()
    truncated = good[:-8]
    tokens = [good, _tampered(good), other, truncated, "not base64 ✗", "gAAAAA", good]
    results = BatchDecryptor([NEW]).decrypt(tokens)
    assert results[0] == results[-1] == "13812345678"
    assert all(isinstance(result, ValueError) for result in results[1:-1])


def test_bad_padding_under_a_valid_signature_is_refused():
    # A token signed correctly whose plaintext does not end in PKCS7 padding: only the key's
    # holder could make one, but the decryptor must refuse it as Fernet does.
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = base64.urlsafe_b64decode(NEW)
    iv = bytes(16)
    encryptor = Cipher(algorithms.AES(raw[16:]), modes.CBC(iv)).encryptor()
    body = b"\x80" + bytes(8) + iv + encryptor.update(b"A" * 16) + encryptor.finalize()
    signer = hmac.HMAC(raw[:16], hashes.SHA256())
    signer.update(body)
    token = base64.urlsafe_b64encode(body + signer.finalize()).decode()
    (result,) = BatchDecryptor([NEW]).decrypt([token])
    assert isinstance(result, ValueError)


def test_a_change_to_any_byte_of_a_token_is_refused():
    """Version, time, IV, ciphertext or signature: each byte flipped, the token is refused."""
    good = Fernet(NEW.encode()).encrypt(b"320412199001010011").decode()
    data = base64.urlsafe_b64decode(good)
    flipped = [
        base64.urlsafe_b64encode(data[:i] + bytes([data[i] ^ 1]) + data[i + 1 :]).decode()
        for i in range(len(data))
    ]
    results = BatchDecryptor([OLD, NEW]).decrypt([good, *flipped])
    assert results[0] == "320412199001010011"
    assert all(isinstance(result, ValueError) for result in results[1:])
