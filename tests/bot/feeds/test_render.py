"""Metadata files of feed items: written byte for byte as tomli_w writes them."""

import datetime as dt
import random

import tomli_w

from bot.feeds.render import _dumps

CHARACTERS = [
    "a",
    " ",
    "\n",
    "\r\n",
    "\r",
    "\t",
    '"',
    "\\",
    "\x00",
    "\x7f",
    "\x1b",
    "\x08",
    "\x0c",
    "é",
    '"""',
    "'",
]


def test_item_tables_are_written_as_tomli_w_writes_them():
    rng = random.Random(3)  # noqa: S311 (test data)
    for _ in range(3000):
        text = "".join(rng.choice(CHARACTERS) for _ in range(rng.randint(0, 12)))
        table = {
            "guid": "g",
            "title": "t",
            "number": 3,
            "published": dt.date(2020, 1, 2),
            "hosts": ["A", text],
        }
        if rng.random() < 0.7:
            table["description"] = text
        if rng.random() < 0.5:  # short quotes are an inline array, long ones tables
            table["quotes"] = [
                {"text": text * rng.randint(1, 20), "speaker": "X", "time": 3, "soundbite": True}
                for _ in range(rng.randint(1, 3))
            ]
        assert _dumps(dict(table)) == tomli_w.dumps(table, multiline_strings=True), table
