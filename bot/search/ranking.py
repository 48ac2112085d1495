"""Rank full-text hits into answers: quote search, ask passages and related episodes."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.model import EpisodeRef, Passage, Person, RelatedItem
from bot.search.catalogue import Catalogue
from bot.search.fulltext import (
    STOPWORDS,
    TextQuery,
    Vocabulary,
    acronyms,
    content_words,
    fts_phrase,
    plan_query,
)
from bot.search.moments import excerpt
from bot.search.question import MAX_WORDS, Reading, about_episodes, read_question
from bot.search.semantic import WordVectors
from bot.storage.queries import SegmentRow
from bot.text import normalize_passage

SCORE_CUTOFF = 50.0  # 0-100; below it a hit shares a word or two by chance
ASK_CUTOFF = 60.0  # an answer's least score: below it the passage shares only some rare words
SIMILARITY_WEIGHT = 20.0  # holding the question's words as a phrase moves a score by up to 10
PERSON_FLOOR = 0.25  # the share of its score kept by a passage unrelated to the person a question names
NAMING_FIT, NAMESAKE_FIT, EPISODE_FIT = (
    0.9,
    0.5,
    0.4,
)  # a passage naming them, by a namesake, in their episode
TITLE_CREDIT = 0.5  # a question word found only in the passage's episode title
INFLECTED_EVIDENCE = 0.5  # a word found only as another form of its stem, as evidence
# A question word a passage lacks counts up to SOFT_CREDIT by its closest word there, from a
# cosine of SOFT_FROM (unrelated words score about 0 to 0.15) to SOFT_TO ("fast" and "quick": 0.5).
SOFT_CREDIT, SOFT_FROM, SOFT_TO = 0.7, 0.2, 0.5
# With the [semantic] extra, a passage's cosine with the question's sentence vector scores it too:
# 0 at DENSE_FROM, 100 at DENSE_TO, so that a cosine of 0.5 reaches ASK_CUTOFF (tuned on the tuning half).
DENSE_FROM, DENSE_TO = 0.2, 0.7
# ... and one holding none of the question's words, in any form, nor in its title, needs more: a
# question the data cannot answer is still near some passage in meaning ("what's a good training
# plan for my first marathon": "sit in a sauna after your easy runs", 0.55), and every answer by
# meaning of the tuning half shares a word with its question ("pump": "they had no pumps").
BARE_COSINE = 0.6
EVIDENCE_MIN = 9.0  # the least weight of question words a passage must hold (one rare word, or more)
TIED_RELIEF = 0.6  # the share of EVIDENCE_MIN waived for a passage by the person (or of the episode) named
EPISODE_BONUS = 15.0  # a passage of the episode the question names
KIND_BONUS = 10.0  # the kind asked for ("who said": quotes), or a description for "who is"
OWN_WORDS_PENALTY = 30.0
CONTEXT_CREDIT = 0.5  # a question word said just before a moment, not in it
PROMPT_CREDIT = 1.0  # ... when what was said before asks a question: the moment is its answer
QUESTION_SHARE = 0.8  # the share of its score kept by a moment that asks a question
NEIGHBOURS = 5
CURATED = ("quote", "takeaway")
SAME_WORDS = 85.0  # partial_ratio at which a moment says what a quote or takeaway says
LISTED = "listed on the episode page"
_NO_QUERY = TextQuery(())
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# A request asks as a question does: "Explain the autolyse to me like I'm five."
_REQUEST = re.compile(
    r"^\W*(?:(?:so|and|ok|okay|now|then|please),?\s+)*"
    r"(?:explain|describe|tell (?:me|us)|give (?:me|us)|(?:walk|talk|take) (?:me|us) through)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AskPlan:
    """A question read for answering: what it names and asks, and the text queries to run."""

    reading: Reading
    query: TextQuery  # the subject words
    names: TextQuery  # "who is X": X's name words, searched for in what others say
    vectors: WordVectors | None = None  # meaning, when the optional model is installed
    meaning: Mapping[int, float] = dataclasses.field(default_factory=dict)  # passage id -> cosine


def rank(
    rows: Sequence[SegmentRow], query: TextQuery, bonus: Callable[[SegmentRow], float] | None = None
) -> list[tuple[float, SegmentRow]]:
    """Return (score, row) above the cut-off, best first; rows arrive in BM25 order, which breaks ties."""
    scored = []
    for order, row in enumerate(rows):
        text = normalize_passage(row.text)  # once for both measures: it is most of their cost
        score = 60.0 * query.coverage_normalized(text) + 0.4 * query.similarity_normalized(text)
        if bonus is not None:
            score += bonus(row)
        if score >= SCORE_CUTOFF:
            scored.append((score, order, row))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(score, row) for score, _, row in scored]


def plan_ask(question: str, cat: Catalogue, vocab: Vocabulary, vectors: WordVectors | None = None) -> AskPlan:
    """Read a question and plan the searches that gather its candidate passages."""
    return _planned(read_question(question, cat, vocab), vocab, vectors)


def about(plan: AskPlan, episodes: frozenset[int], vocab: Vocabulary) -> AskPlan:
    """Plan the question again as naming `episodes`, the ones its topic word is about."""
    return _planned(about_episodes(plan.reading, episodes), vocab, plan.vectors)


def _planned(reading: Reading, vocab: Vocabulary, vectors: WordVectors | None) -> AskPlan:
    related = acronyms(reading.words, vocab)
    query = plan_query(reading.words, vocab, reading.focus, limit=MAX_WORDS, related=related)
    names = plan_query(reading.name_words, vocab) if reading.who_is else TextQuery(())
    return AskPlan(reading, query, names, vectors)


def passages(
    rows: Sequence[SegmentRow],
    plan: AskPlan,
    cat: Catalogue,
    limit: int,
    context: Mapping[int, str] | None = None,
) -> list[Passage]:
    """Rank candidate rows into passages, best first, keeping only those above the cut-off.

    `context` holds, per transcript moment (by id), what was said just before it.
    """
    context = context or {}
    reading = plan.reading
    unique = list({row.id: row for row in rows if row.episode_id in cat.episodes}.values())
    if reading.numbered:
        unique = [row for row in unique if row.episode_id in reading.episodes]
    if reading.overview and not reading.people - _people_of(reading.episodes, cat):
        return [_passage(row, cat, 100.0, row.text) for row in _overview(unique, reading)[:limit]]
    if not plan.query.groups and not reading.who_is:
        if not reading.people:
            return []
        # The question only names people ("what did sebastian say"): their quotes answer it.
        quotes = [row for row in unique if row.person_id in reading.people]
        return [_passage(row, cat, 100.0, row.text) for row in quotes[:limit]]
    texts = [normalize_passage(row.text) for row in unique]
    if len(reading.primary) < len(reading.people) and plan.query.groups:
        plan = dataclasses.replace(plan, reading=_meant_person(unique, texts, plan, context))
    titled: dict[tuple[int, str | None], list[bool]] = {}  # per episode and chapter: _title_hits
    scores = [
        _score(row, text, plan, cat, before=context.get(row.id), titled=titled)
        for row, text in zip(unique, texts, strict=True)
    ]
    scores = _replies_first(unique, scores)
    scored = [(score, order, row) for order, (score, row) in enumerate(zip(scores, unique, strict=True))]
    scored = [item for item in scored if item[0] >= ASK_CUTOFF]
    scored.sort(key=lambda item: (-item[0], item[1]))
    # By words, a quote scores as the moment saying it does; only meaning parts them (see curated_first).
    ranked = curated_first([(score, row) for score, _, row in scored], unique if plan.meaning else ())
    return [
        _passage(row, cat, score, _best_sentence(row, plan.query), plan.query)
        for score, row in ranked[:limit]
    ]


def curated_first(
    ranked: list[tuple[float, SegmentRow]], rows: Sequence[SegmentRow] = ()
) -> list[tuple[float, SegmentRow]]:
    """Rank a transcript moment just below a quote or takeaway of its episode that says the same.

    Given the candidate `rows`, a quote or takeaway below the cut-off that a ranked moment says
    is ranked too: by meaning, a moment can pass the cut-off where the shorter quote of it does not.
    """
    if rows:
        ranked = _inherited(ranked, rows)
    curated = [(score, row) for score, row in ranked if row.kind in CURATED]
    moved = []
    for score, row in ranked:
        below = [
            curated_score - 0.01
            for curated_score, item in curated
            if row.kind == "moment" and item.episode_id == row.episode_id and says_same(item.text, row.text)
        ]
        moved.append((min([score, *below]), row))
    return sorted(moved, key=lambda item: -item[0])


def _inherited(
    ranked: list[tuple[float, SegmentRow]], rows: Sequence[SegmentRow]
) -> list[tuple[float, SegmentRow]]:
    """Add the quotes and takeaways below the cut-off that a ranked moment of their episode says."""
    there = {row.id for _, row in ranked}
    moments = [(score, row) for score, row in ranked if row.kind == "moment"]
    added = []
    for row in rows:
        if row.kind in CURATED and row.id not in there:
            best = max(
                (s for s, m in moments if m.episode_id == row.episode_id and says_same(row.text, m.text)),
                default=None,
            )
            if best is not None:
                added.append((best, row))
    return sorted([*ranked, *added], key=lambda item: -item[0])


def says_same(curated: str, moment: str) -> bool:
    """Tell whether a moment contains what a quote or takeaway says (nearly word for word)."""
    return fuzz.partial_ratio(normalize_passage(curated), normalize_passage(moment)) >= SAME_WORDS


def _meant_person(
    rows: Sequence[SegmentRow], texts: Sequence[str], plan: AskPlan, context: Mapping[int, str]
) -> Reading:
    """Among people sharing the name typed, mean those whose words hold most of the question.

    "how little did priya sleep" means the Priya who spoke of sleep, however often another Priya
    is heard; the most heard stay meant when no one's words hold more than theirs. A reply holds
    the words of the question it answers.
    """
    reading, query = plan.reading, plan.query
    held: dict[int, float] = {}
    for row, text in zip(rows, texts, strict=True):
        if row.person_id in reading.people:
            before = context.get(row.id)
            asked = _said_words(before) if before and is_question(before) else frozenset()
            hits = query.hits_in(set(text.split()) | asked)
            weight = sum(w for w, hit in zip(query.weights, hits, strict=True) if hit)
            held[row.person_id] = max(held.get(row.person_id, 0.0), weight)
    most = max(held.values(), default=0.0)
    if most <= max((held.get(p, 0.0) for p in reading.primary), default=0.0):
        return reading
    return dataclasses.replace(reading, primary=frozenset(p for p, w in held.items() if w == most))


def _replies_first(rows: Sequence[SegmentRow], scores: list[float]) -> list[float]:
    """Lift the reply to a question asked in a transcript just above the question's own score."""
    asked = {
        (row.episode_id, row.position + 1): score
        for row, score in zip(rows, scores, strict=True)
        if row.kind == "moment" and is_question(row.text)
    }
    return [
        max(score, asked.get((row.episode_id, row.position), 0.0) / QUESTION_SHARE + 0.01)
        if row.kind == "moment"
        else score
        for row, score in zip(rows, scores, strict=True)
    ]


# A moment's text is asked about several times per question (as a candidate, and as what was said
# before the next): remembered for the few hundred moments one question reads.
@functools.lru_cache(maxsize=1024)
def is_question(text: str) -> bool:
    """Tell whether a moment asks something, or asks for it: its answer is what is said next."""
    return "?" in text or any(_REQUEST.match(s) for s in _SENTENCE.split(text))


@functools.lru_cache(maxsize=1024)
def _said_words(text: str) -> frozenset[str]:
    """Return the normalized words of what was said before a moment (read once per question)."""
    return frozenset(normalize_passage(text).split())


def _score(
    row: SegmentRow,
    text: str,
    plan: AskPlan,
    cat: Catalogue,
    *,
    before: str | None = None,
    titled: dict[tuple[int, str | None], list[bool]] | None = None,
) -> float:
    """Return 0-100 and a little over: how well a passage (`text`: normalized) answers the question.

    `before` is what was said just before a transcript moment: its words count in part. `titled`
    keeps _title_hits per episode and chapter for the other passages of one question.
    """
    reading = plan.reading
    words = set(text.split())
    if reading.who_is:
        return _describes(row, words, plan, cat)
    query = plan.query
    # Another form of a word's stem ("stocked" for "stock") ranks a passage as the word does but
    # is only half the evidence: Porter's stems join forms whose meanings part.
    hits = query.strengths_in(words, INFLECTED_EVIDENCE)
    heard = query.hits_in(_said_words(before)) if before else [False] * len(hits)
    asked = PROMPT_CREDIT if before and is_question(before) else CONTEXT_CREDIT
    fit = _person_fit(row, words, reading, cat) if reading.people else 0.0
    # Common words alone ("the next episode") are in passage after passage by chance; they are
    # evidence enough only in the words of the person, or the episode, the question names.
    tied = 1.0 if row.episode_id in reading.episodes else fit
    said = [asked if heard_it else 0.0 for heard_it in heard]
    held = [max(hit, before_it) for hit, before_it in zip(hits, said, strict=True)]
    cosine = plan.meaning.get(row.id)
    dense = _dense_score(cosine)
    if plan.vectors is None and not dense and _short_of_evidence(held, query.weights, tied):
        return 0.0  # most candidates of a question end here, before their titles are read
    # A word the passage lacks but its episode's title (or a moment's chapter) holds half counts:
    # "theft in ancient rome" is answered by a quote about theft in the episode "How Rome Moved Water".
    title = _title_hits(row, query, cat, {} if titled is None else titled)
    # Words close in meaning are evidence only in the named person's own words or the named
    # episode: among thousands of others, some word of any passage is close to some word asked,
    # and a passage merely naming the person is such another ("what gpu does nathan train his
    # models on": a description naming Nathan, by "training"). Elsewhere they only rank the
    # passages that hold the question's own words.
    vouched = tied >= 1.0
    meant = _meant(held, words, plan) if plan.vectors is not None and vouched else held
    # A word telling enough to be evidence on its own vouches, at half, for the passages of an
    # episode whose title holds it: "why do ultrarunners see things at night" is asked of the
    # episode "Why Ultrarunners Sleep Less" (a common title word vouches for nothing).
    topical = [
        TITLE_CREDIT if t and w >= EVIDENCE_MIN else 0.0 for w, t in zip(query.weights, title, strict=True)
    ]
    evidence = sum(w * max(c, t) for w, c, t in zip(query.weights, meant, topical, strict=True))
    # A passage close enough in meaning answers without the question's words ("how did the romans
    # pump water uphill": "they had no pumps worth the name: gravity did all the work").
    if evidence < _least_evidence(tied):
        if not any(held) and not any(title) and (cosine or 0.0) < BARE_COSINE:
            return 0.0
        return _adjusted(dense, row, reading, fit) if dense else 0.0
    ranked = [max(1.0 if hit else 0.0, before_it) for hit, before_it in zip(hits, said, strict=True)]
    if plan.vectors is not None and (ranked != held or not vouched):
        meant = _meant(ranked, words, plan)
    elif ranked != held:
        meant = ranked
    credit = [max(c, TITLE_CREDIT * titled) for c, titled in zip(meant, title, strict=True)]
    found = sum(w * c for w, c in zip(query.weights, credit, strict=True))
    score = 100.0 * found / sum(query.weights)
    if len(query.groups) > 1:
        score += SIMILARITY_WEIGHT * (query.similarity_normalized(text) / 100 - 0.5)
    return _adjusted(max(score, dense) if dense else score, row, reading, fit)


def _short_of_evidence(held: Sequence[float], weights: Sequence[float], tied: float) -> bool:
    """Tell whether a passage holds too little of the question for an answer, whatever its titles hold.

    The most _score's evidence can reach by words alone: each word as held, or a title's credit
    where a title can give it. Term by term (and so summed in the same order) it is at least the
    evidence, so below the same least evidence the passage scores 0 either way.
    """
    most = sum(
        w * max(h, TITLE_CREDIT) if w >= EVIDENCE_MIN else w * h for w, h in zip(weights, held, strict=True)
    )
    return most < _least_evidence(tied)


def _least_evidence(tied: float) -> float:
    """Return the least evidence a passage must hold: less the more it is tied to whom or what is named."""
    return EVIDENCE_MIN * (1 - TIED_RELIEF * tied)


def _dense_score(cosine: float | None) -> float:
    """Return 0-100 for a passage's cosine with the question's sentence vector (0 without one)."""
    if cosine is None:
        return 0.0
    return 100.0 * min(1.0, max(0.0, (cosine - DENSE_FROM) / (DENSE_TO - DENSE_FROM)))


def _adjusted(score: float, row: SegmentRow, reading: Reading, fit: float) -> float:
    """Weigh a passage's score by the person, episode and kind the question asks about."""
    if reading.people:
        score *= PERSON_FLOOR + (1 - PERSON_FLOOR) * fit
    if row.episode_id in reading.episodes:
        score += EPISODE_BONUS
    if reading.who_said and row.kind == "quote":
        score += KIND_BONUS
    if reading.kind == row.kind:
        score += KIND_BONUS
    if row.kind == "moment" and is_question(row.text):
        score *= QUESTION_SHARE  # asking about it is not an answer; the reply, a candidate too, is
    return score


def _title_hits(
    row: SegmentRow, query: TextQuery, cat: Catalogue, titled: dict[tuple[int, str | None], list[bool]]
) -> list[bool]:
    """Return, per question word, whether the passage's episode title (or its chapter) holds it."""
    key = (row.episode_id, row.chapter)
    if key not in titled:
        titles = cat.title_words(row.episode_id)
        if row.chapter:
            titles = titles | set(normalize_passage(row.chapter).split())
        titled[key] = query.hits_in(titles)
    return titled[key]


def _meant(credit: list[float], words: set[str], plan: AskPlan) -> list[float]:
    """Credit the question words a passage lacks by its closest word in meaning ("quick": "fast")."""
    missing = [i for i, c in enumerate(credit) if c < SOFT_CREDIT]
    others = [w for w in words if w not in STOPWORDS and len(w) >= 3 and not w.isdigit()]
    if not missing or not others or plan.vectors is None:
        return credit
    closest = plan.vectors.closest([plan.query.words[i] for i in missing], others)
    credit = list(credit)
    for i, cosine in zip(missing, closest, strict=True):
        soft = SOFT_CREDIT * min(1.0, max(0.0, (cosine - SOFT_FROM) / (SOFT_TO - SOFT_FROM)))
        credit[i] = max(credit[i], soft)
    return credit


def _person_fit(row: SegmentRow, words: set[str], reading: Reading, cat: Catalogue) -> float:
    """Return how surely a passage is by or about the person a question names: 1 by them, 0 unrelated."""
    if row.person_id in reading.primary:
        return 1.0
    if words & set(reading.name_words):
        return NAMING_FIT
    if row.person_id in reading.people:
        return NAMESAKE_FIT  # by someone else sharing the first name typed
    if row.kind != "quote" and reading.people & cat.episode_people.get(row.episode_id, frozenset()):
        return EPISODE_FIT
    return 0.0


def _describes(row: SegmentRow, words: set[str], plan: AskPlan, cat: Catalogue) -> float:
    """Score a passage for "who is X": one naming X, said by someone else, describes X."""
    names = plan.names
    coverage = sum(names.hits_in(words)) / len(names.groups) if names.groups else 0.0
    score = 100.0 * coverage
    if row.person_id is not None and row.person_id in plan.reading.people:
        score -= OWN_WORDS_PENALTY  # X's own words say what X thinks, not who X is
    if row.kind == "description":
        score += KIND_BONUS
    if plan.reading.people & cat.episode_people.get(row.episode_id, frozenset()):
        score += KIND_BONUS
    return score


def _people_of(episodes: frozenset[int], cat: Catalogue) -> frozenset[int]:
    found: set[int] = set()
    for episode_id in episodes:
        found |= cat.episode_people.get(episode_id, frozenset())
    return frozenset(found)


def _overview(rows: Sequence[SegmentRow], reading: Reading) -> list[SegmentRow]:
    """Return an episode's description, then its takeaways in page order."""
    order = {"description": 0, "takeaway": 1}
    chosen = [row for row in rows if row.episode_id in reading.episodes and row.kind in order]
    return sorted(chosen, key=lambda row: (order[row.kind], row.episode_id, row.position))


def _passage(
    row: SegmentRow, cat: Catalogue, score: float, text: str, query: TextQuery = _NO_QUERY
) -> Passage:
    ep = cat.episodes[row.episode_id]
    seconds, chapter = row.seconds, None
    if row.kind == "moment":  # cited by its sentence with the question's words, at that second
        part = excerpt(row.text, row.marks, row.seconds or 0, query)
        text, seconds, chapter = part.text, part.seconds, row.chapter
    timed = row.kind in ("quote", "moment")
    speaker = cat.people.get(row.person_id) if row.person_id else None
    return Passage(
        kind=row.kind,
        text=text,
        episode=ep,
        speaker=speaker or (Person(0, row.label) if row.label else None),
        seconds=seconds if timed else None,
        link=ep.link_at(seconds or 0) if timed else None,
        truncated=row.truncated,
        score=round(score, 1),
        chapter=chapter,
    )


def _best_sentence(row: SegmentRow, query: TextQuery) -> str:
    """Return a description's sentence that matches best; other kinds are short and kept whole."""
    if row.kind != "description":
        return row.text
    sentences = [s for s in _SENTENCE.split(row.text) if s.strip()]
    return max(sentences, key=query.coverage, default=row.text)


def similarity_match(ep: EpisodeRef, vocab: Vocabulary) -> str | None:
    """Return an FTS5 query for passages sharing one of the title's three most distinctive words."""
    words = _topic_words(ep)
    stems = vocab.stemmer.stems(words) if words else []
    ranked = sorted((vocab.docs.get(stem, 0), word) for word, stem in zip(words, stems, strict=True))
    rare = [word for docs, word in ranked if 0 < docs <= vocab.common_docs][:3]
    return " OR ".join(fts_phrase(w) for w in rare) or None


def _topic_words(ep: EpisodeRef) -> list[str]:
    return [w for w in content_words(ep.title) if len(w) >= 3 and not w.isdigit()][:12]


def related(
    ep: EpisodeRef,
    *,
    listed: Sequence[tuple[str, int | None]],
    people: Sequence[tuple[int, str]],
    mentions: Sequence[tuple[int, str]],
    similar: Sequence[SegmentRow],
    cat: Catalogue,
) -> list[RelatedItem]:
    """Merge the page's list and computed neighbours, one item per episode, each with its reasons."""
    # Keyed by the episode's id when it is in the data, else by the title the page lists.
    reasons: dict[int | str, list[str]] = {}
    titles: dict[int | str, str] = {}
    for title, target in listed:
        key: int | str = (
            target if target is not None and target in cat.episodes and target != ep.id else title
        )
        reasons.setdefault(key, []).append(LISTED)
        titles.setdefault(key, title)
    with_people: dict[int, list[str]] = {}
    for episode_id, name in people:
        with_people.setdefault(episode_id, []).append(name)
    for episode_id, names in with_people.items():
        reasons.setdefault(episode_id, []).append("also with " + _and(names))
    for episode_id, mention in mentions:
        reasons.setdefault(episode_id, []).append(f"also mentions {mention}")
    _add_similar(ep, similar, reasons)
    items = []
    for key, why in reasons.items():
        if isinstance(key, str):
            items.append(RelatedItem(titles[key], "; ".join(why)))
        elif (other := cat.episodes.get(key)) is not None:
            items.append(RelatedItem(titles.get(key) or other.label, "; ".join(why), other))
    return items


def _add_similar(ep: EpisodeRef, similar: Sequence[SegmentRow], reasons: dict[int | str, list[str]]) -> None:
    words = _topic_words(ep)
    added = 0
    for row in similar:
        if added >= NEIGHBOURS or row.episode_id == ep.id or row.episode_id in reasons:
            continue
        text = set(normalize_passage(row.text).split())
        shared = [w for w in words if w in text]
        if shared:
            reasons[row.episode_id] = ["similar topics: " + ", ".join(shared[:3])]
            added += 1


def _and(names: Sequence[str]) -> str:
    names = list(dict.fromkeys(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
