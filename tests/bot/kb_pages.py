"""Episode pages and helpers shared by the knowledge-base tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from bot.storage import Database
from tests.fixtures import SEED_DIR

# A second episode: accents and punctuation in names, a shared guest, a mention and a related link.
GUEST_PAGE = """Small Models, Big Reasoning | Lex Fridman Podcast #900
Lex Fridman talks with Zoë Ångström-Okafor, Seán O'Neill-Kaur and Nathan Lambert about distillation.
Key takeaways
- • Distillation from a large teacher is the cheapest path to reasoning in small models.
- • Evaluation suites saturate quickly, so labs keep private held-out sets.
Recommendations (4)
"Distillation from a large teacher model is the cheapest path to reasoning."
Zoë Ångström-Okafor · ▶ 12:01
"I still use Claude for code reviews every single day."
Nathan Lambert · ▶ 42:10
"Held-out evaluation sets are the only honest benchmark left."
Seán O'Neill-Kaur · ▶ 1:00:00
"Tomasz Wiśniewski convinced me to try sparse attention."
Zoë Ångström-Okafor · ▶ 1:05:09
Mentioned (2)
Build a Large Language Model from Scratch
Season of the Witch
More from these creators
State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI | Lex Fridman Podcast #490
"""

ROSOLIE_PAGE = """Paul Rosolie: Uncontacted Tribes in the Amazon Jungle | Lex Fridman Podcast #489
Paul Rosolie on the rainforest.
Key takeaways
- • Protecting land protects the tribes.
"""


def copy_seed(target: Path) -> Path:
    """Copy the sample episode's files (the tests' own copy) into `target` and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for path in SEED_DIR.iterdir():
        if path.suffix in (".txt", ".toml"):
            shutil.copy(path, target / path.name)
    return target


def write(path: Path, text: str) -> Path:
    """Write `text` as UTF-8 to `path`, creating its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def stored_rows(db: Database, tables: Iterable[str]) -> dict[str, list[tuple[object, ...]]]:
    """Return each table's rows in key order, file stamps left out, to compare whole database states."""
    state = {}
    for table in tables:
        async with db.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cur:  # noqa: S608
            names = [d[0] for d in cur.description]
            state[table] = [
                tuple(v for n, v in zip(names, row, strict=True) if n != "stamp")
                for row in await cur.fetchall()
            ]
    return state
