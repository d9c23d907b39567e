"""Queue name rules, sender/type name encoding (Names) and the FNV-1a 64-bit name hash (NameHash)."""

from .errors import InvalidNameError
from .layout import MAX_NAME_BYTES, to_i64

MAX_QUEUE_NAME_LENGTH = 200
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def require_valid_queue_name(name):
    """A queue name becomes a file name: 1 to 200 of [A-Za-z0-9._-], not starting with a dot."""
    if not isinstance(name, str) or not name:
        raise InvalidNameError("a queue name must not be empty; use 1 to 200 characters of A-Z a-z 0-9 . _ -")
    if len(name) > MAX_QUEUE_NAME_LENGTH:
        raise InvalidNameError(f"queue name is {len(name)} characters long; the limit is {MAX_QUEUE_NAME_LENGTH}")
    if name[0] == ".":
        raise InvalidNameError(f"queue name {name!r} starts with a dot; names that start with a dot are reserved")
    for i, c in enumerate(name):
        if c not in _ALLOWED:
            raise InvalidNameError(f"queue name {name!r} contains {c!r} at index {i}; use only A-Z a-z 0-9 . _ -")
    return name


def to_bytes(value):
    """pysyncq's rule for names and bodies: bytes as they are, anything else as str(value) in UTF-8."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8")


def encode_record_name(what, name):
    """Sender and type names: at most 255 bytes (one byte holds the length in a record)."""
    if name is None:
        raise InvalidNameError(f"{what} must not be None; use '' for none")
    data = to_bytes(name)
    if len(data) > MAX_NAME_BYTES:
        raise InvalidNameError(f"{what} is {len(data)} bytes in UTF-8; the limit is {MAX_NAME_BYTES}")
    return data


_OFFSET_BASIS = 0xCBF2_9CE4_8422_2325
_PRIME = 0x0000_0100_0000_01B3
_MASK = 0xFFFF_FFFF_FFFF_FFFF


def name_hash(data):
    """NameHash.of: FNV-1a 64 of the name's bytes, as a signed i64 (what the slot's summary holds)."""
    h = _OFFSET_BASIS
    for b in data:
        h = ((h ^ b) * _PRIME) & _MASK
    return to_i64(h)
