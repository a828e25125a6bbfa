"""Encryption of harvest sources' secrets at rest (Fernet, from `cryptography`).

The key comes from `ckanext.procurement.secret_key` (one or more Fernet
keys: the first encrypts, all decrypt, so a key can be rotated). Without it,
a key is derived from CKAN's own `SECRET_KEY` (or `beaker.session.secret`);
that derived key always decrypts too, so setting an explicit key later keeps
the secrets stored before working.
"""
from __future__ import annotations

import base64

import ckan.plugins.toolkit as tk
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_OPTION = "ckanext.procurement.secret_key"
_DERIVATION_INFO = b"ckanext-procurement harvest source secrets"


class SecretKeyError(ValueError):
    """The site's configuration gives no usable key; the message names the option."""


def _derived_key() -> bytes:
    site_secret = tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret")
    if not site_secret:
        raise SecretKeyError(f"set {KEY_OPTION} (or CKAN's SECRET_KEY) to store harvest secrets")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(site_secret.encode("utf-8"))
    return base64.urlsafe_b64encode(key)


def _fernet() -> MultiFernet:
    configured = tk.config.get(KEY_OPTION) or []
    if isinstance(configured, str):
        configured = configured.split()
    try:
        fernets = [Fernet(key.encode("ascii")) for key in configured]
    except (ValueError, UnicodeEncodeError):
        raise SecretKeyError(f"{KEY_OPTION} must hold Fernet keys (32 url-safe base64-encoded bytes; "
                             "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    return MultiFernet(fernets + [Fernet(_derived_key())])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str | None:
    """The secret, or None when no key of the site opens it (the key was changed)."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        return None
