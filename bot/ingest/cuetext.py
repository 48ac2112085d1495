"""Turn a cue's raw lines into plain text and speaker labels, shared by the WebVTT and SubRip readers.

A speaker label is a voice span (`<v Nathan Lambert>`), a bracketed name with a colon
(`[Dana Whitfield]:`), a machine label (`SPEAKER_01:`, `Guest 2:`, `Speaker A:`), a bare `>>`
(someone new speaks, name unknown) or a name with a colon (`Nathan Lambert:`). A label starts a
line and applies until the next label, across cues. A name with a colon is only a label when it
looks like a name: 1-4 capitalised words (lower-case particles like `de` or `van` between them),
at most 40 characters, a colon then a space, a first word that is not a common sentence opener or
heading word ("Note:", "So Lex:", "Question:"), and, for a single word (`Lex:`), used that way on
at least 3 lines of the file, so a lone "Update: it shipped" stays text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

SINGLE_WORD_USES = 3
MAX_NAME = 40
_TAG = re.compile(r"<[^<>]*>")  # `[^<>]` keeps the scan linear on a line full of unclosed `<`
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?[ \t]+([^<>]*)>")
_VOICE_CUE = re.compile(r"\n<v(?:\.[^\s<>]*)?[ \t]+([^<>\n]*)>([^<>&:\[]*)(?:</v>[ \t\n]*)?")
_TURN = re.compile(r"[ \t]*>>+[ \t]*")
_BRACKETED = re.compile(r"\[([^\[\]]{1,60})\][ \t]*:[ \t]*")
_MACHINE_LABEL = (
    r"(?i:speaker|spk|guest|host|interviewer|interviewee|participant|person|voice)"
    r"(?:[ _-]?\d{1,3}|[ _-][A-Z])"
)
_MACHINE = re.compile(rf"({_MACHINE_LABEL})[ \t]*:[ \t]*")
_MACHINE_NAME = re.compile(_MACHINE_LABEL)
_WORD = r"[^\W\d_][\w'’.\-]*"
# A cue that is a label on its first line and plain text after it (no tag, entity or other label).
_LABELLED_CUE = re.compile(
    rf"\n[ \t]*(?:\[([^\[\]\n]{{1,60}})\]|({_WORD}(?:[ \t]+[\w'’.\-]+){{0,5}}))[ \t]*:[ \t]+([^<>&:\[]*)"
)
_NAMED = re.compile(rf"({_WORD}(?:[ \t]+{_WORD}){{0,5}})[ \t]*:(?:[ \t]+|\Z)")
_SINGLE = re.compile(rf"(?m)^[ \t]*(?:>>+[ \t]*)?(?:<[^<>\n]*>)*({_WORD})[ \t]*:(?=[ \t\n])")
_PARTICLE_WORDS = "al bin bint da das de del della der di do dos du el ibn la le van von y zu"
# Words that start sentences and headings; a name never starts with one of them.
_OPENER_WORDS = """a about actually after again all also an and another answer any anyway are as at basically
because before being best big bonus both bottom but by caveat chapter clip correction could day
did disclaimer do does each edit either else even every example exactly fact final finally first
for fourth from fun funny good great had has have he her here hey hi his how however i if im in
is it its just key last lesson let lets like listen look main maybe meanwhile more most my next
no nope not note now number ok okay on one or other our outro part pause people please plus point
pro problem ps q question quick quote really remember right rule second see side so some source
spoiler step still sure take tbd thank thanks that the their then there these they third this
those tip title to today topic two uh um update very wait warning was we well what when where
which while who why will with wow yeah yes yet you your"""
_PARTICLES, _OPENERS = frozenset(_PARTICLE_WORDS.split()), frozenset(_OPENER_WORDS.split())


class SingleWordLabels:
    """Tell the one-word names used as `Name:` labels on at least 3 lines of a file (counted on demand)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.names: frozenset[str] | None = None

    def __contains__(self, word: str) -> bool:
        if self.names is None:
            uses = Counter(_SINGLE.findall(self.text))
            self.names = frozenset(
                name
                for name, count in uses.items()
                if count >= SINGLE_WORD_USES and name[0].isupper() and _plain(name) not in _OPENERS
            )
        return word in self.names


def voice_cue(payload: str) -> tuple[str, str] | None:
    """Return (name, text) of a cue that is one voice span around plain text, else None."""
    match = _VOICE_CUE.fullmatch(payload)
    if match is None:
        return None
    return " ".join(match[1].split()), " ".join(match[2].split())


def labelled_cue(payload: str, single: SingleWordLabels) -> tuple[str, str] | None:
    """Return (label, text) of a cue whose first line starts with a label, the rest plain text, else None."""
    match = _LABELLED_CUE.fullmatch(payload)
    if match is None:
        return None
    bracketed, name, text = match.groups()
    if bracketed is None and not _MACHINE_NAME.fullmatch(name) and not _is_name(name, single):
        return None
    return " ".join((bracketed or name).split()), " ".join(text.split())


def cue_parts(payload: str, single: SingleWordLabels) -> Iterator[tuple[bool, str | None, str]]:
    """Yield (labelled, label, text) for each run of `payload` lines under one label.

    `labelled` is true when the run starts with a label; `label` is None for a bare `>>`. The
    first run of a cue that starts without a label is (False, None, text): the previous label goes on.
    """
    labelled, label = False, None
    words: list[str] = []
    for line in payload.split("\n"):
        for new, name, text in _line_parts(line, single):
            if new:
                if words or labelled:
                    yield labelled, label, " ".join(words)
                labelled, label, words = True, name, []
            words.extend(text.split())
    if words or labelled:
        yield labelled, label, " ".join(words)


def _line_parts(line: str, single: SingleWordLabels) -> Iterator[tuple[bool, str | None, str]]:
    """Yield (new label?, label, text) for a line, split at each voice span."""
    if "<" not in line:
        yield _leading_label(_unescape(line), single)
        return
    pieces = _VOICE.split(line)
    if pieces[0].strip() or len(pieces) == 1:
        yield _leading_label(_unescape(_TAG.sub("", pieces[0])), single)
    for at in range(1, len(pieces), 2):
        name = " ".join(pieces[at].split())
        new, found, text = _leading_label(_unescape(_TAG.sub("", pieces[at + 1])), single)
        yield True, (found if new else name or None), text


def _leading_label(line: str, single: SingleWordLabels) -> tuple[bool, str | None, str]:
    """Return (labelled?, label, rest) for a line that may start with a speaker label."""
    turn = _TURN.match(line)
    if turn:
        line = line[turn.end() :]
    for pattern in (_BRACKETED, _MACHINE):
        match = pattern.match(line)
        if match:
            return True, " ".join(match[1].split()), line[match.end() :]
    match = _NAMED.match(line)
    if match and _is_name(match[1], single):
        return True, " ".join(match[1].split()), line[match.end() :]
    return (True, None, line) if turn else (False, None, line)


def _is_name(candidate: str, single: SingleWordLabels) -> bool:
    words = candidate.split()
    if len(candidate) > MAX_NAME or len(words) > 4 or _plain(words[0]) in _OPENERS:
        return False
    if len(words) == 1:
        return words[0] in single
    edges_capitalised = words[0][0].isupper() and words[-1][0].isupper()
    return edges_capitalised and all(w[0].isupper() or w.lower() in _PARTICLES for w in words)


def _plain(word: str) -> str:
    return word.lower().replace("'", "").replace("’", "").rstrip(".")


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text
