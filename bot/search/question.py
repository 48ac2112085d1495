"""Read a free-text question: the people and episodes it names, what it asks, and its subject words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from bot.search.catalogue import Catalogue
from bot.search.fulltext import QUESTION_WORDS, STOPWORDS, Vocabulary
from bot.search.typos import english_zipf, is_english
from bot.text import normalize

# Words of chat around a question ("ok so i was listening ... and wondered"): never its subject.
_CHAT_WORDS = (
    "ok okay hey hi hello yo guys folks thanks thank cheers love loved lol hmm um uh well ve ll re question "
    "questions wondering wondered wonder curious remember remembered listening listened listen heard hear "
    "actually honestly basically literally random weird listener fan recently last today tonight "
    "yesterday weekend ago lately ever anybody everyone someone somebody stuff thing things "
    "maybe perhaps probably cover covered covering recall"
)
_CHAT_PHRASES = re.compile(
    r"\b(?:(?:quick|random|dumb|silly|weird|stupid|odd) (?:question|thought)s?|(?:last|the other) night)\b",
    re.IGNORECASE,
)
_REFERENCE_WORDS = frozenset(["episode", "episodes", "ep", "show", "shows", "podcast", "one"])
_TOPIC_REFERENCES = _REFERENCE_WORDS - {"one"}  # "the aqueduct episode"; "the best one" names none
# What the member wants shown, not what to look for: "#490 takeaways about data".
KIND_WORDS = {"takeaway": "takeaway", "takeaways": "takeaway", "quote": "quote", "quotes": "quote",
              "description": "description"}  # fmt: skip
FRAME_WORDS = QUESTION_WORDS | frozenset(_CHAT_WORDS.split()) | frozenset(KIND_WORDS)
_ASKING = frozenset(
    [
        "what",
        "how",
        "why",
        "who",
        "whose",
        "which",
        "where",
        "when",
        "did",
        "does",
        "do",
        "is",
        "are",
        "was",
        "were",
        "can",
        "could",
        "should",
    ]
)
_CLAUSES = re.compile(r"[,;:?!.]+\s*|\s+-+\s+|\n")
_NUMBER_REF = re.compile(r"(?:\b(?:episode|ep|no|number|nr)\.?\s*#?\s*|#\s*)(\d{1,9})\b", re.IGNORECASE)
_WHO_IS = re.compile(
    r"^(?:so |and |but )?(?:who s|who is|who was|who are|tell me about|what do you know about)\b"
)
_WHO_SAID = re.compile(r"\bwho (?:said|says|say|talks|talked|talk|mentioned|mentions|recommended|recommends|"
                       r"uses|used|reviews|wrote|thinks|thought|tried|tries)\b")  # fmt: skip
CONTEXT_WEIGHT = 0.4  # a word outside the clause that asks the question: context, not subject
COMMON_NAME_ZIPF = 4.5  # a name word this common in English ("park") names someone only in a full name
# A word before "episode" this rare in English names it by topic ("the bread episode", zipf 4.5);
# commoner ones say which episode by time or taste ("the latest episode", 4.9; "the best", 5.8).
TOPIC_ZIPF = 4.5
MAX_WORDS = 12


@dataclass(frozen=True, slots=True)
class Reading:
    """Hold what a question names and asks."""

    people: frozenset[int] = frozenset()
    primary: frozenset[int] = frozenset()  # of a first name many share, the most prominent bearers
    name_words: tuple[str, ...] = ()  # the names as typed (corrected), for "who is X"
    episodes: frozenset[int] = frozenset()
    numbered: bool = False  # the episode was named by its number: answers come from it alone
    who_is: bool = False
    who_said: bool = False
    kind: str | None = None  # "takeaway", "quote" or "description" when the question asks for one
    words: tuple[str, ...] = ()
    focus: tuple[float, ...] = ()  # per word: 1 for the question's subject, less for its context
    topic: str | None = None  # a word naming an episode by what it is about: "the aqueduct episode"

    @property
    def overview(self) -> bool:
        """Tell whether the question only names an episode ("tell me about episode 490")."""
        return bool(self.episodes) and not self.words and not self.who_is


def read_question(text: str, cat: Catalogue, vocab: Vocabulary) -> Reading:
    """Read `text` into the people, episodes, intent and subject words it holds."""
    flat = normalize(text)
    numbered = _numbered_episodes(text, cat)
    spoken = [
        normalize(_CHAT_PHRASES.sub(" ", c)).split() for c in _CLAUSES.split(_NUMBER_REF.sub(" ", text))
    ]
    spoken = [c for c in spoken if c]
    clauses = [_content(" ".join(c)) for c in spoken]
    consumed: set[str] = set()
    titled: set[int] = set()
    if not numbered:
        titled, consumed = _titled_episodes(clauses, cat)
    people, primary, name_words = _people(clauses, text, cat, vocab)
    consumed |= set(name_words) | _show_names(clauses, cat)
    topic = None if numbered or titled else _topic(clauses, consumed)
    words, focus = _subject(spoken, clauses, consumed)
    kind = next((KIND_WORDS[w] for w in flat.split() if w in KIND_WORDS), None)
    return Reading(
        people=frozenset(people),
        primary=frozenset(primary),
        name_words=tuple(name_words),
        episodes=frozenset(numbered or titled),
        numbered=bool(numbered),
        who_is=bool(_WHO_IS.match(flat)) and bool(people or words),
        who_said=bool(_WHO_SAID.search(flat)),
        kind=kind,
        words=tuple(words),
        focus=tuple(focus),
        topic=topic,
    )


def about_episodes(reading: Reading, episodes: frozenset[int]) -> Reading:
    """Return the reading with the episodes its topic word names, that word no longer its subject."""
    kept = [(w, f) for w, f in zip(reading.words, reading.focus, strict=True) if w != reading.topic]
    return replace(
        reading, episodes=episodes, words=tuple(w for w, _ in kept), focus=tuple(f for _, f in kept)
    )


def _topic(clauses: Sequence[list[str]], consumed: set[str]) -> str | None:
    """Return a rare word just before "episode" (or "show", "podcast") that names no title nor person."""
    for words in clauses:
        for word, after in pairwise(words):
            named = word in consumed or word in FRAME_WORDS or word in _REFERENCE_WORDS
            if after in _TOPIC_REFERENCES and not named and len(word) >= 3 and not word.isdigit():
                return word if english_zipf(word) <= TOPIC_ZIPF else None
    return None


def _content(clause: str) -> list[str]:
    return [w for w in clause.split() if w not in STOPWORDS]


def _numbered_episodes(text: str, cat: Catalogue) -> set[int]:
    """Return the episode an `episode 490` or `#490` in the question names (the show's, when named)."""
    found: set[int] = set()
    words = set(normalize(text).split())
    for match in _NUMBER_REF.finditer(text):
        candidates = [cat.episodes[i] for i in cat.by_number.get(int(match[1]), ())]
        named = [ep for ep in candidates if words & set(_content(normalize(f"{ep.show or ''} {ep.title}")))]
        pool = named or candidates
        if pool:
            found.add(max(pool, key=lambda ep: cat.recency[ep.id]).id)
    return found


def _titled_episodes(clauses: Sequence[list[str]], cat: Catalogue) -> tuple[set[int], set[str]]:
    """Return episodes whose title, alias or show a run of the question's words spells, and those words."""
    found: set[int] = set()
    used: set[str] = set()
    for words in clauses:
        for size in (3, 2):
            for start in range(len(words) - size + 1):
                run = tuple(words[start : start + size])
                around = {*words[max(0, start - 1) : start], *words[start + size : start + size + 1]}
                if size == 2 and not around & _REFERENCE_WORDS:
                    continue  # two words of a title are a topic, unless "that state of ai episode"
                ids = cat.episodes_titled(run)
                if ids:
                    found |= ids
                    used.update(run)
    return found, used


def _people(
    clauses: Sequence[list[str]], raw: str, cat: Catalogue, vocab: Vocabulary
) -> tuple[set[int], set[int], list[str]]:
    """Return the people the question names (within a typo), the likeliest of them, and their words."""
    capitalized = {normalize(w) for w in re.findall(r"\b[A-ZÀ-Þ][\w'-]*", raw)}
    people: set[int] = set()
    primary: set[int] = set()
    words: list[str] = []
    for clause in clauses:
        mentions: list[tuple[set[int], int]] = []  # (people, words naming them)
        for index, word in enumerate(clause):
            ids = _person_word(word, cat, vocab)
            after = clause[index + 1] if index + 1 < len(clause) else ""
            if after in _REFERENCE_WORDS:
                ids = set()  # "the lex podcast" names a show, not what Lex said
            elif ids and word not in capitalized and (len(word) < 3 or _common(word)):
                neighbours = {*clause[max(0, index - 1) : index], after}
                if not any(ids & _person_word(n, cat, vocab) for n in neighbours):
                    ids = set()  # "the best park" is not Jo Park, nor is "jo" alone
            if not ids:
                mentions.append((set(), 0))
                continue
            words.append(word)
            if mentions and mentions[-1][1]:
                last, count = mentions[-1]
                mentions[-1] = ((last & ids) or last, count + 1)
            else:
                mentions.append((ids, 1))
        for ids, count in mentions:
            people |= ids
            primary |= _likeliest(ids, cat) if count == 1 else ids
    return people, primary, words


def _common(word: str) -> bool:
    """Tell whether a name word is common in English ("park"): alone it names nobody."""
    return english_zipf(word) >= COMMON_NAME_ZIPF


def _show_names(clauses: Sequence[list[str]], cat: Catalogue) -> set[str]:
    """Return the names that say which show is meant ("the lex podcast"): a reference, not the subject."""
    return {
        word
        for words in clauses
        for word, after in pairwise(words)
        if after in _REFERENCE_WORDS and word in cat.name_words
    }


def _likeliest(ids: set[int], cat: Catalogue) -> set[int]:
    """Return, of the people sharing a first name, the most prominent: "nathan" is the Nathan most heard."""
    most = max((cat.prominence.get(i, 0) for i in ids), default=0)
    return {i for i in ids if cat.prominence.get(i, 0) == most}


def _person_word(word: str, cat: Catalogue, vocab: Vocabulary) -> set[int]:
    """Return the people a name word (or a misspelling of one) belongs to."""
    if len(word) < 2 or word in FRAME_WORDS:
        return set()
    exact = cat.name_words.get(word)
    if exact:
        return set(exact)  # "jo" of Jo Park too: _people takes so short a word only beside her other name
    if len(word) < 4 or is_english(word) or vocab.knows(word):
        return set()
    people: set[int] = set()
    for name_word, _ in cat.names.word_typos(word):
        people |= cat.name_words.get(name_word, set())
    return people


def _subject(
    spoken: Sequence[list[str]], clauses: Sequence[list[str]], consumed: set[str]
) -> tuple[list[str], list[float]]:
    """Return the subject words in order, weighted 1 in the clause that asks, less elsewhere."""
    kept = [[w for w in c if w not in FRAME_WORDS and w not in consumed and len(w) >= 2] for c in clauses]
    asking = [i for i, c in enumerate(spoken) if kept[i] and _ASKING & set(c)]
    focus_clause = asking[-1] if asking else None
    words: list[str] = []
    focus: list[float] = []
    for index, clause in enumerate(kept):
        weight = 1.0 if focus_clause is None or index == focus_clause else CONTEXT_WEIGHT
        for word in clause:
            if word in words:
                continue
            words.append(word)
            focus.append(weight)
    return words[:MAX_WORDS], focus[:MAX_WORDS]
