"""Personal data at rest: Fernet encryption with rotation, and a keyed hash for look-ups.

ID and mobile numbers are encrypted with ``MultiFernet``: the first key of ``DATA_KEYS``
(comma-separated) encrypts, every listed key decrypts, so a new key is rotated in by
putting it first and running ``pingan db rotate-keys``, which re-encrypts every row.

Uniqueness and look-ups cannot use the ciphertext (Fernet is randomised), so they use
HMAC-SHA256 of the normalised number under ``HMAC_KEY``. A plain hash would not do: there
are only about 10^11 plausible ID numbers, so an unkeyed hash is reversed by enumeration.
The HMAC key lives outside the database (environment or instance folder) and must be
backed up with it; it cannot rotate by itself, because every stored hash would have to be
recomputed: a new HMAC key means decrypting each ID number and re-hashing it.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class PersonalDataCipher:
    """Encrypts and decrypts personal fields; computes look-up hashes."""

    def __init__(self, data_keys: str, hmac_key: str):
        keys = [key.strip() for key in data_keys.split(",") if key.strip()]
        if not keys:
            raise ValueError("DATA_KEYS is empty")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        #: The keys, the current one first: the export's row workers decrypt with them.
        self.keys = tuple(keys)
        self._hmac_key = hmac_key.encode()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise ValueError("personal data cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (current) key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def lookup_hash(self, text: str) -> str:
        """HMAC-SHA256 (hex) of an already normalised value."""
        return hmac.new(self._hmac_key, text.encode(), hashlib.sha256).hexdigest()
