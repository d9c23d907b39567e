"""Bodies that carry their origin, their sequence number within it, and a checksum of themselves.

    ORIGIN:SEQ:PAYLOAD:CRC32   (PAYLOAD is printable ASCII of a random length, so that one line is one body)
"""
import random
import string
import zlib

_ALPHABET = (string.ascii_letters + string.digits + " .,;-_").encode()


def body(origin, seq, rng, max_payload=3000):
    """A checksummed body; mixed sizes, from empty payloads to max_payload bytes."""
    length = rng.choice((0, 1, 7, 64, 300, rng.randrange(max_payload + 1)))
    payload = bytes(rng.choice(_ALPHABET) for _ in range(length)).decode()
    text = f"{origin}:{seq}:{payload}"
    return f"{text}:{zlib.crc32(text.encode()):08x}"


def parse(text):
    """(origin, seq) of a body, after checking its checksum; raises ValueError if it is damaged."""
    head, _, crc = text.rpartition(":")
    if f"{zlib.crc32(head.encode()):08x}" != crc:
        raise ValueError(f"checksum mismatch in {text[:80]!r}")
    origin, seq, _ = head.split(":", 2)
    return origin, int(seq)


def bodies(origin, count, seed):
    rng = random.Random(seed)
    return [body(origin, i, rng) for i in range(count)]
