"""Password hashing (argon2id) and the strength rule every password set through the API obeys."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from crmkit.errors import InvalidInput

_hasher = PasswordHasher()
# Verifying against this when no account matches costs the same time as a real check, so
# response time does not tell whether an email exists.
_DUMMY_HASH = _hasher.hash("not a real password: timing equaliser")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_strength(password: str, *, field: str) -> None:
    classes = sum(
        bool(re.search(pattern, password)) for pattern in (r"[a-z]", r"[A-Z]", r"\d", r"[^\w\s]")
    )
    if len(password) < MIN_LENGTH or classes < 3:
        raise InvalidInput.on_field(
            field,
            f"at least {MIN_LENGTH} characters with three of: lower case, upper case, "
            "digits, symbols",
        )
