"""Where each sentence of a moment starts, in its text and in the episode: packed small for storage."""

from __future__ import annotations

from collections.abc import Sequence


def pack(sentences: Sequence[tuple[int, int]], start: int) -> bytes:
    """Return (text offset, second) of each sentence after the first as varint deltas."""
    # The first sentence starts at offset 0 and at the moment's own second, so it is implied.
    # Deltas are small (a moment is well under a minute), so most pairs take two bytes.
    out = bytearray()
    offset, second = 0, start
    for text_at, second_at in sentences:
        if text_at <= 0:
            continue
        _varint(out, text_at - offset)
        _varint(out, max(0, second_at - second))
        offset, second = text_at, max(second, second_at)
    return bytes(out)


def unpack(data: bytes | None, start: int) -> list[tuple[int, int]]:
    """Return every sentence's (text offset, second), the first one included."""
    found = [(0, start)]
    values = _varints(data or b"")
    offset, second = 0, start
    for delta_text, delta_second in zip(values[::2], values[1::2], strict=False):
        offset, second = offset + delta_text, second + delta_second
        found.append((offset, second))
    return found


def _varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _varints(data: bytes) -> list[int]:
    values, current, shift = [], 0, 0
    for byte in data:
        current |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            values.append(current)
            current, shift = 0, 0
    return values
