"""Encryption at rest for resident ID numbers, with keyed digests for exact search.

- The number is stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256). ID_NUMBER_KEYS
  holds one or more keys, newest first: the first encrypts, all decrypt (MultiFernet), so a
  new key can be put in front and old rows re-encrypted at leisure (`rotate_id_number_keys`).
- Searching never decrypts: the full number and its last four characters are each stored as
  an HMAC-SHA256 under ID_NUMBER_HASH_KEY. Without that key a stolen database dump does not
  reveal which of the ~10^4 possible tails a row has.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

TAIL_LENGTH = 4


@cache
def _fernet() -> MultiFernet:
    keys = settings.ID_NUMBER_KEYS
    if not keys:
        raise ImproperlyConfigured("ID_NUMBER_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"ID_NUMBER_KEYS holds an invalid Fernet key: {error}") from None


def _hash_key() -> bytes:
    key = settings.ID_NUMBER_HASH_KEY
    if len(key) < 32:
        raise ImproperlyConfigured("ID_NUMBER_HASH_KEY must be at least 32 characters.")
    return key.encode()


def reset_key_cache() -> None:
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An ID number cannot be decrypted with any key in ID_NUMBER_KEYS: "
            "a key was removed before its rows were re-encrypted."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt under the first (newest) key."""
    return _fernet().rotate(token.encode()).decode() if token else ""


def digest(value: str, *, purpose: str) -> str:
    if not value:
        return ""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_hash_key(), message, hashlib.sha256).hexdigest()


def full_digest(id_number: str) -> str:
    return digest(id_number.strip().upper(), purpose="full")


def tail_digest(id_number_or_tail: str) -> str:
    value = id_number_or_tail.strip().upper()
    if len(value) < TAIL_LENGTH:
        return ""
    return digest(value[-TAIL_LENGTH:], purpose="tail")


def encrypt_bytes(data: bytes) -> bytes:
    """For documents that hold ID numbers (a roster file being imported)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(bytes(token)) if token else b""
