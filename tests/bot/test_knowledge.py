"""KnowledgeBase queries on the seed plus a second episode, with the misspellings users type."""

import asyncio
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import knowledge
from bot.errors import NotFoundError
from bot.knowledge import KnowledgeBase
from bot.storage import Database
from bot.storage import queries as q
from eval.questions import EPISODES
from tests.bot.kb_pages import GUEST_PAGE, ROSOLIE_PAGE, write

SEED_LABEL = (
    "State of AI in 2026: LLMs, Coding, Scaling Laws, China, Agents, GPUs, AGI | Lex Fridman Podcast #490"
)


@pytest.mark.parametrize(
    "typed",
    ["490", "#490", "lex 490", "Lex Fridman #490", "episode 490", "state of ai 2026", "stat of ai 2026",
     "Scaling Laws China", "lex-fridman-490", "", None],
)  # fmt: skip
async def test_resolve_episode(kb, typed):
    assert (await kb.resolve_episode(typed)).label == SEED_LABEL


async def test_resolve_other_episode_and_unknowns(kb):
    assert (await kb.resolve_episode("small modles big reasoning")).key == "guest"
    assert (await kb.resolve_episode("#900")).key == "guest"
    with pytest.raises(NotFoundError) as err:
        await kb.resolve_episode("quantum gardening for cats")
    assert err.value.suggestions == ()
    with pytest.raises(NotFoundError):
        await kb.resolve_episode("the")  # only filler words: no confident guess
    with pytest.raises(NotFoundError):
        await kb.resolve_episode("#12345")


async def test_latest_episode_is_the_most_recently_published(kb):
    assert (await kb.resolve_episode(None)).number == 490


async def test_an_undated_episode_counts_from_when_it_first_appeared(kb, tmp_path):
    # Today is after the seed's 2026-01-31, so an episode without a date that appears now is the latest.
    write(tmp_path / "data" / "undated.txt", ROSOLIE_PAGE)
    await kb.ingest([tmp_path / "data"])
    assert (await kb.resolve_episode(None)).key == "undated"
    assert (await kb.resolve_episode("")).key == "undated"
    assert kb.suggest_episodes("", 1)[0].key == "undated"
    # Editing it later keeps the day it first appeared; dating it puts it where its date says.
    write(tmp_path / "data" / "undated.toml", "published = 2020-01-01\n")
    await kb.ingest([tmp_path / "data"])
    assert (await kb.resolve_episode(None)).key == "lex-fridman-490"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("nathan lamber", "Nathan Lambert"),
        ("raschka", "Sebastian Raschka"),
        ("Sebastain", "Sebastian Raschka"),
        ("SEBASTIAN RASCHKA", "Sebastian Raschka"),
        ("zoe angstrom", "Zoë Ångström-Okafor"),
        ("sean o'neill", "Seán O'Neill-Kaur"),
        ("Lex", "Lex Fridman"),
        ("lambert nathan", "Nathan Lambert"),
    ],
)
async def test_resolve_speaker(kb, typed, name):
    assert kb.resolve_speaker(typed).name == name


async def test_unknown_speaker_has_suggestions_and_nonsense_none(kb):
    with pytest.raises(NotFoundError) as err:
        kb.resolve_speaker("xqzv")
    assert err.value.suggestions == ()
    with pytest.raises(NotFoundError) as err:
        kb.resolve_speaker("nate lambert")  # half right: suggested, not picked
    assert "Nathan Lambert" in err.value.suggestions
    assert len(err.value.suggestions) <= 3


async def test_quotes_by_speaker_in_time_order_with_links(kb):
    nathan = kb.resolve_speaker("nathan lamber")
    seed = await kb.resolve_episode("490")
    hits = await kb.quotes_by_speaker(nathan, seed)
    assert [h.seconds for h in hits] == [932, 1025, 8885]
    assert hits[0].link == "https://www.youtube.com/watch?v=EV7WhVT270Q&t=932s"
    assert hits[2].truncated
    everywhere = await kb.quotes_by_speaker(nathan)
    assert len(everywhere) == 4
    assert {h.episode.key for h in everywhere} == {"lex-fridman-490", "guest"}
    assert [h.episode.key for h in everywhere] == ["guest"] + ["lex-fridman-490"] * 3  # oldest first
    assert everywhere[0].link is None  # the second episode (the older one) has no URL
    assert len(await kb.quotes_by_speaker(nathan, limit=2)) == 2


async def test_search_quotes_tolerates_typos(kb):
    hits = await kb.search_quotes("recursive languag model")
    assert hits[0].seconds == 2 * 3600 + 46 * 60 + 45
    assert hits[0].link == "https://www.youtube.com/watch?v=EV7WhVT270Q&t=10005s"
    assert (await kb.search_quotes("recursiv lanugage modle"))[0].seconds == 10005
    assert (await kb.search_quotes("distilation teacher"))[0].speaker.name == "Zoë Ångström-Okafor"


@pytest.mark.parametrize(
    "text", ["", "a", "the", "of the", "banana bread recipe", "xkcd qwzzy", '"', "NEAR(", "-", "AND", "((("]
)
async def test_search_quotes_returns_nothing_for_short_or_unrelated_text(kb, text):
    assert await kb.search_quotes(text) == []


async def test_ask_prefers_the_named_speaker(kb):
    passages = await kb.ask("what does nathan use for coding")
    assert [p.kind for p in passages[:2]] == ["quote", "quote"]
    assert [p.speaker.name for p in passages[:2]] == ["Nathan Lambert", "Nathan Lambert"]
    seed_quote = next(p for p in passages if p.episode.number == 490)
    assert seed_quote.seconds == 1025
    assert seed_quote.link == "https://www.youtube.com/watch?v=EV7WhVT270Q&t=1025s"
    assert all(p.score >= passages[-1].score for p in passages)


async def test_ask_finds_takeaways_and_descriptions(kb):
    passages = await kb.ask("What about mixture of experts?")
    assert passages[0].kind == "takeaway"
    assert "Mixture of Experts" in passages[0].text
    described = await kb.ask("who talks about distillation")
    assert {p.episode.key for p in described} == {"guest"}


@pytest.mark.parametrize(
    "question",
    ["what is the capital of france", "how do I bake banana bread", "?", "", "tell me something",
     "what do they say about kids", "any llama models", "how tall are the guests", "give many examples"],
)  # fmt: skip
async def test_ask_says_nothing_found_for_unrelated_questions(kb, question):
    assert await kb.ask(question) == []


async def test_ask_about_an_episode_answers_with_its_description_then_takeaways(kb):
    passages = await kb.ask("tell me about #490")
    assert [p.kind for p in passages] == ["description", "takeaway", "takeaway", "takeaway", "takeaway"]
    assert {p.episode.number for p in passages} == {490}
    narrowed = await kb.ask("episode 900 what about claude")
    assert {p.episode.number for p in narrowed} == {900}


async def test_ask_who_is_prefers_what_others_say_about_the_person(kb):
    passages = await kb.ask("who is raschka")
    assert passages
    assert all(p.speaker is None or p.speaker.name != "Sebastian Raschka" for p in passages[:2])
    assert any("Raschka is a machine learning researcher" in p.text for p in passages[:2])


async def test_ask_recognises_misspelt_names_and_keeps_a_chatty_subject(kb):
    passages = await kb.ask("what did nathan lambart say about code")
    assert passages[0].speaker.name == "Nathan Lambert"
    chatty = await kb.ask(
        "ok so i was listening to that state of ai episode on my way home last night, "
        "what did they actually say about mixture of experts?"
    )
    assert chatty[0].kind == "takeaway"
    assert "Mixture of Experts" in chatty[0].text


async def test_ask_with_only_a_name_returns_their_quotes(kb):
    passages = await kb.ask("what did sebastian say")
    assert passages
    assert {p.speaker.name for p in passages} == {"Sebastian Raschka"}


async def test_related_lists_page_titles_and_computed_neighbours(kb, tmp_path):
    seed = await kb.resolve_episode("490")
    items = await kb.related(seed)
    listed = [i for i in items if "listed on the episode page" in i.reason]
    assert len(listed) == 6
    assert all(i.episode is None for i in listed)
    guest = next(i for i in items if i.episode and i.episode.key == "guest")
    assert "also with Nathan Lambert" in guest.reason
    assert "also with" not in " ".join(i.reason for i in listed)  # the host is not a reason

    write(tmp_path / "data" / "rosolie.txt", ROSOLIE_PAGE)
    await kb.ingest([tmp_path / "data"])
    items = await kb.related(seed)
    rosolie = next(i for i in items if i.title.startswith("Paul Rosolie"))
    assert rosolie.episode is not None
    assert rosolie.episode.key == "rosolie"


async def test_related_of_guest_episode_mentions_the_seed(kb):
    guest = await kb.resolve_episode("#900")
    items = await kb.related(guest)
    assert items[0].episode.number == 490
    assert items[0].reason.startswith("listed on the episode page; also with Nathan Lambert")


async def test_takeaways_and_card(kb):
    seed = await kb.resolve_episode(None)
    takeaways = await kb.takeaways(seed)
    assert [t.position for t in takeaways] == [1, 2, 3, 4, 5, 6]
    assert await kb.takeaway(takeaways[0].id) == takeaways[0]
    assert await kb.takeaway(-1) is None
    assert len(await kb.all_takeaways()) == 8
    assert len(await kb.all_takeaways("lex fridman podcast")) == 8
    assert await kb.all_takeaways("Another Show") == []
    card = await kb.episode_card(seed)
    assert card.hosts == ("Lex Fridman",)
    assert card.guests == ("Sebastian Raschka", "Nathan Lambert")
    assert (card.quote_count, card.quotes_declared, card.mentions_declared) == (9, 27, 77)


async def test_random_quote_respects_filters(kb):
    zoe = kb.resolve_speaker("zoe")
    assert (await kb.random_quote(zoe)).speaker == zoe
    seed = await kb.resolve_episode("490")
    assert (await kb.random_quote(ep=seed)).episode == seed
    with pytest.raises(NotFoundError):
        await kb.random_quote(zoe, seed)


async def test_suggestions_come_best_first(kb):
    assert [ep.key for ep in kb.suggest_episodes("", 25)] == ["lex-fridman-490", "guest"]
    speakers = kb.suggest_speakers("", 25)
    assert {p.name for p in speakers[:2]} == {"Sebastian Raschka", "Nathan Lambert"}  # 4 quotes each
    assert kb.quote_count(speakers[0]) == 4
    assert kb.suggest_speakers("zo", 25)[0].name == "Zoë Ångström-Okafor"
    assert kb.suggest_speakers("qqqq", 25) == []


async def test_stats_and_shows(kb):
    stats = await kb.stats()
    assert stats["episodes"] == 2
    assert stats["quotes"] == 13
    assert stats["related_resolved"] == 1
    assert kb.shows() == ["Lex Fridman Podcast"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(st.text(max_size=40), st.sampled_from(['"', "NEAR(", "a:b", "-x", "AND", "(", "*", "^"]))
)
async def test_any_typed_text_answers_without_raising(kb, text):
    assert isinstance(await kb.search_quotes(text), list)
    assert isinstance(await kb.ask(text), list)
    assert len(kb.suggest_episodes(text, 25)) <= 25
    assert len(kb.suggest_speakers(text, 25)) <= 25
    for resolve in (kb.resolve_speaker, kb.resolve_episode):
        try:
            result = resolve(text)
            if hasattr(result, "__await__"):
                await result
        except NotFoundError:
            pass


async def test_answers_stay_consistent_when_another_writer_removes_an_episode(kb, tmp_path):
    guest = await kb.resolve_episode("#900")
    (tmp_path / "data" / "guest.txt").unlink()
    (tmp_path / "data" / "guest.toml").unlink()
    other = KnowledgeBase(kb.db)  # e.g. `python -m bot ingest` while the bot runs
    assert len((await other.ingest([tmp_path / "data"])).removed) == 1
    with pytest.raises(NotFoundError):
        await kb.episode_card(guest)
    assert await kb.search_quotes("distillation teacher") == []
    assert all(t.episode.key != "guest" for t in await kb.all_takeaways())


async def test_another_processs_ingest_is_swapped_in_whole_by_sync(kb, tmp_path):
    before = kb.snapshot
    assert not await kb.sync()  # nothing changed: nothing is reloaded
    write(tmp_path / "data" / "rosolie.txt", ROSOLIE_PAGE)
    cli = await Database.open(kb.db.path)  # `python -m bot ingest` while the bot runs
    try:
        await KnowledgeBase(cli).ingest([tmp_path / "data"])
    finally:
        await cli.close()
    assert kb.snapshot is before
    with pytest.raises(NotFoundError):
        await kb.resolve_episode("#489")
    assert await kb.sync()
    assert (await kb.resolve_episode("#489")).key == "rosolie"
    assert [ep.key for ep in kb.suggest_episodes("rosolie", 5)] == ["rosolie"]
    assert "rosolie" not in [ep.key for ep in before.cat.episodes.values()]  # the old view is untouched
    assert not await kb.sync()


@pytest.fixture
async def prolific_kb(tmp_path):
    """Yield a knowledge base holding a speaker with more quotes than an ask reads whole."""
    prolific_speaker(tmp_path / "data")
    db = await Database.open(tmp_path / "kb.db")
    try:
        kb = KnowledgeBase(db)
        assert (await kb.ingest([tmp_path / "data"])).ok
        yield kb
    finally:
        await db.close()


def prolific_speaker(data: Path) -> None:
    """Write a speaker with more quotes than an ask reads whole (two about water) and water takeaways."""
    data.mkdir(parents=True)
    about = {7: "Water remembers every river it ran through.", 20: "I drink water before every talk."}
    lines = ['title = "Quiet Talks"', 'show = "Probe Show"', "number = 1"]
    for n in range(knowledge.PERSON_CANDIDATES + 1):
        text = about.get(n, f"Stone number {n} stays where it is.")
        lines += ["[[quotes]]", f'text = "{text}"', 'speaker = "Zed Quoter"', f'time = "{n}:00"']
    write(data / "zed.toml", "\n".join(lines) + "\n")
    for e in range(10):
        takeaways = [
            f"{'Water' if t < 6 else 'Wind'} shapes valley {e}-{t} over long ages." for t in range(20)
        ]
        body = (
            f'title = "Valley Talk {e}"\nshow = "Probe Show"\nnumber = {e + 2}\ntakeaways = {takeaways!r}\n'
        )
        write(data / f"valley-{e}.toml", body.replace("'", '"'))


async def test_both_ways_of_finding_a_prolific_speakers_quotes_agree(prolific_kb):
    # A named person with many quotes is searched either from the index's match list (when the
    # words are rare) or quote by quote (when the person's quotes are fewer than the matches),
    # each quote checked against the set of matches or looked up in the words' entries.
    answers = {}
    for probe_cost, seek_cost, way in ((10_000, 0, "matches"), (1, 10**9, "set"), (1, 0, "seek")):
        with (
            mock.patch.object(knowledge, "PROBE_COST", probe_cost),
            mock.patch.object(knowledge, "SEEK_COST", seek_cost),
            mock.patch.object(q, "search_quotes_of", wraps=q.search_quotes_of) as by_quote,
        ):
            found = await prolific_kb.ask("what does zed say about water")
        assert by_quote.called is (way != "matches")
        if by_quote.called:
            assert by_quote.call_args.kwargs["seek"] is (way == "seek")
        answers[way] = {(p.speaker.name if p.speaker else None, p.text) for p in found[:2]}
    assert (
        answers["matches"]
        == answers["set"]
        == answers["seek"]
        == {
            ("Zed Quoter", "Water remembers every river it ran through."),
            ("Zed Quoter", "I drink water before every talk."),
        }
    )


INTERVIEW_META = """\
title = "Notebooks and Logs"
show = "Lab Hours"
number = 3
hosts = ["Ines Duarte"]
guests = ["Kwame Mensah"]
"""
INTERVIEW_VTT = """\
WEBVTT

00:01:00.000 --> 00:01:08.000
<v Ines Duarte>How do you keep your experiments straight? I see folders called final and really final.

00:01:08.000 --> 00:01:20.000
<v Kwame Mensah>Every run writes its settings and its commit into the log, next to the results.

00:02:00.000 --> 00:02:10.000
<v Kwame Mensah>Teachers make good programmers, in my experience.
"""


async def test_ask_answers_with_the_reply_to_a_question_asked_in_a_transcript(kb, tmp_path):
    write(tmp_path / "lab" / "lab-3.toml", INTERVIEW_META)
    write(tmp_path / "lab" / "lab-3.vtt", INTERVIEW_VTT)
    assert (await kb.ingest([tmp_path / "lab"])).ok
    passages = await kb.ask("how do you keep your experiments straight")
    assert [p.kind for p in passages[:2]] == ["moment", "moment"]
    assert passages[0].speaker.name == "Kwame Mensah"
    assert "commit into the log" in passages[0].text
    assert passages[1].text.startswith("How do you keep your experiments straight?")


KITCHEN_META = """\
title = "Bread at Home"
show = "Flour Hour"
number = 8
hosts = ["Ines Duarte"]
guests = ["Kwame Mensah"]

[[chapters]]
time = "0:00"
title = "Welcome"

[[chapters]]
time = "3:00"
title = "Shaping the loaf"
"""
KITCHEN_VTT = """\
WEBVTT

00:01:00.000 --> 00:01:08.000
<v Ines Duarte>Explain the autolyse to me like I'm five.

00:01:08.000 --> 00:01:20.000
<v Kwame Mensah>You mix only flour and water and let them rest for half an hour.

00:02:00.000 --> 00:02:10.000
<v Kwame Mensah>Fold the dough gently, it keeps the bubbles in.

00:03:10.000 --> 00:03:20.000
<v Kwame Mensah>Fold the dough gently, then roll it tight against the bench.
"""


async def test_ask_answers_with_the_reply_to_a_request(kb, tmp_path):
    write(tmp_path / "kitchen" / "kitchen-8.toml", KITCHEN_META)
    write(tmp_path / "kitchen" / "kitchen-8.vtt", KITCHEN_VTT)
    assert (await kb.ingest([tmp_path / "kitchen"])).ok
    passages = await kb.ask("what is an autolyse")
    assert passages[0].text.startswith("You mix only flour and water")


async def test_ask_answers_with_the_named_persons_reply_to_another_persons_question(kb, tmp_path):
    write(tmp_path / "lab" / "lab-3.toml", INTERVIEW_META)
    write(tmp_path / "lab" / "lab-3.vtt", INTERVIEW_VTT)
    assert (await kb.ingest([tmp_path / "lab"])).ok
    passages = await kb.ask("how does kwame keep track of his experiments")
    assert "commit into the log" in passages[0].text


async def test_ask_reads_a_moment_with_its_chapter_title(kb, tmp_path):
    write(tmp_path / "kitchen" / "kitchen-8.toml", KITCHEN_META)
    write(tmp_path / "kitchen" / "kitchen-8.vtt", KITCHEN_VTT)
    assert (await kb.ingest([tmp_path / "kitchen"])).ok
    passages = await kb.ask("how do you fold the dough when shaping")
    assert [p.chapter for p in passages[:2]] == ["Shaping the loaf", "Welcome"]


RUNNING_PAGE = """Race Week | Long Miles #4
Kim Vale talks with Nathan Ochieng about the last week before a race.
Recommendations (1)
"Sleep matters more than mileage in the week before a race."
Nathan Ochieng · ▶ 4:10
"""


async def test_ask_means_the_namesake_whose_words_hold_the_question(kb, tmp_path):
    # Nathan Lambert is the Nathan most heard, but only Nathan Ochieng spoke of sleep before a race.
    write(tmp_path / "running" / "miles-4.txt", RUNNING_PAGE)
    assert (await kb.ingest([tmp_path / "running"])).ok
    passages = await kb.ask("what did nathan say about sleep before a marathon race")
    assert passages[0].speaker.name == "Nathan Ochieng"
    assert passages[0].text.startswith("Sleep matters more than mileage")


async def test_a_reload_is_built_between_commands_and_swapped_in_whole(kb, tmp_path, monkeypatch):
    monkeypatch.setattr("bot.slices.SLICE_S", 0.0)  # yield to the loop at every step of the build
    before = kb.snapshot
    write(tmp_path / "data" / "rosolie.txt", ROSOLIE_PAGE)
    (tmp_path / "data" / "guest.txt").unlink()
    (tmp_path / "data" / "guest.toml").unlink()
    cli = await Database.open(kb.db.path)  # `python -m bot ingest` while the bot runs
    try:
        await KnowledgeBase(cli).ingest([tmp_path / "data"])
    finally:
        await cli.close()
    building = False
    build = knowledge.Snapshot.built

    def watched_build(rows: object) -> object:
        nonlocal building
        building = True
        snap = yield from build(rows)
        building = False
        return snap

    monkeypatch.setattr(knowledge.Snapshot, "built", watched_build)
    seen: list[tuple[object, list[str], bool]] = []

    async def member() -> None:  # what a command finds while the reload runs
        while True:
            keys = sorted(ep.key for ep in kb.suggest_episodes("", 10))
            seen.append((kb.snapshot, keys, building))
            await asyncio.sleep(0)

    watching = asyncio.create_task(member())
    await asyncio.sleep(0)
    assert await kb.sync()
    watching.cancel()
    old = sorted(ep.key for ep in before.cat.episodes.values())
    during = [(snap, keys) for snap, keys, now in seen if now]
    assert len(during) >= 3  # commands ran between the build's slices ...
    assert all(snap is before and keys == old for snap, keys in during)  # ... and saw the old data whole
    assert all(snap in (before, kb.snapshot) for snap, _, _ in seen)
    assert sorted(ep.key for ep in kb.suggest_episodes("", 10)) == ["lex-fridman-490", "rosolie"]


async def test_the_reload_hooks_run_around_every_reload_even_a_failed_one(kb, tmp_path, monkeypatch):
    calls: list[str] = []
    hooked = KnowledgeBase(
        kb.db, before_reload=lambda: calls.append("before"), after_reload=lambda: calls.append("after")
    )
    await hooked.refresh()
    assert calls == ["before", "after"]
    assert hooked.suggest_episodes("", 5)

    def broken(_conn: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(knowledge.stored, "read_catalogue", broken)
    with pytest.raises(OSError, match="disk gone"):
        await hooked.refresh()
    assert calls == ["before", "after", "before", "after"]  # e.g. collections paused, then back on


async def test_a_reloaded_catalogue_holds_each_episode_and_person_once(kb, tmp_path):
    data = tmp_path / "data"
    write(data / "guest.txt", GUEST_PAGE.replace("Small Models, Big Reasoning", "Tiny Models, Deep Thought"))
    await kb.ingest([data])
    cat = kb.snapshot.cat
    assert [ep.title for ep in kb.suggest_episodes("tiny models", 5)] == ["Tiny Models, Deep Thought"]
    assert kb.suggest_episodes("small models big reasoning", 5) == []
    assert len(cat.episodes) == len(cat.latest) == 2
    assert len(cat.by_number[900]) == 1
    assert [p.name for p in kb.suggest_speakers("zoe angstrom", 5)] == ["Zoë Ångström-Okafor"]
    assert len(cat.people) == len({p.name for p in cat.people.values()})


SHOP_PAGE = """Shelf Life | Corner Shop Podcast #7
Ada Brook talks about running a corner shop.
Key takeaways
- • Sitting through long training sessions wore the staff out.
- • The shelves were stocked twice a week, before people came to buy.
"""


async def test_ask_needs_more_than_other_forms_of_common_words(kb, tmp_path):
    write(tmp_path / "shop" / "shop.txt", SHOP_PAGE)
    assert (await kb.ingest([tmp_path / "shop"])).ok
    # "stocked" and "sitting ... training" share only a stem with the words asked: not an answer.
    assert await kb.ask("which stock should I buy") == []
    assert await kb.ask("how do I train my dog to sit") == []
    # Other forms still find and rank a passage that the question's own words vouch for.
    assert "stocked" in (await kb.ask("when do people buy stock"))[0].text
    assert "stocked" in (await kb.ask("how often were the shelves stocked"))[0].text


RUNNERS_PAGE = """Why Ultrarunners Sleep Less | Long Run Radio #31
Two coaches on recovery.
Key takeaways
- • Most runners see faces in the trees on the second night; it passes at sunrise.
"""


async def test_a_telling_word_of_the_episode_title_counts_for_its_passages(kb, tmp_path):
    write(tmp_path / "runs" / "runners.txt", RUNNERS_PAGE)
    assert (await kb.ingest([tmp_path / "runs"])).ok
    passages = await kb.ask("why do ultrarunners see things at night")
    assert passages
    assert "faces in the trees" in passages[0].text
    # The common words alone ("see", "night") are no answer without the episode's telling one.
    assert await kb.ask("why do cyclists see things at night") == []


async def test_an_episode_named_by_its_topic_narrows_the_answers_to_it(db):
    kb = KnowledgeBase(db)
    assert (await kb.ingest([EPISODES])).ok
    overview = await kb.ask("the aqueduct episode")
    assert [(p.episode.key, p.kind) for p in overview[:2]] == [
        ("old-stones-77", "description"),
        ("old-stones-77", "takeaway"),
    ]
    city = await kb.ask("did the aqueduct episode say anything about the city")
    assert city
    assert {p.episode.key for p in city} == {"old-stones-77"}
    assert any("city" in p.text for p in city[:3])
    # Its own words ("aqueduct") are no answer to what it never talks about.
    assert await kb.ask("does the aqueduct episode mention tennis") == []


async def test_a_prolific_speakers_quotes_through_the_set_of_their_rows_agree(prolific_kb):
    # With few rows next to a search's matches, the person's rows are read into a set first.
    answers = {}
    for matches, ratio, within in ((10_000, 4, False), (1, 0, True)):
        with (
            mock.patch.object(knowledge, "PROBE_COST", 10_000),
            mock.patch.object(knowledge, "WITHIN_MATCHES", matches),
            mock.patch.object(knowledge, "WITHIN_RATIO", ratio),
            mock.patch.object(q, "search_segments", wraps=q.search_segments) as search,
            mock.patch.object(q, "rows_of_people", wraps=q.rows_of_people) as counted,
        ):
            found = await prolific_kb.ask("what does zed say about water")
            found_again = await prolific_kb.ask("what does zed say about water")
        assert found_again == found
        assert any(call.kwargs.get("within") for call in search.call_args_list) is within
        assert counted.call_count == (1 if within else 0)  # counted once per snapshot
        answers[within] = {(p.speaker.name if p.speaker else None, p.text) for p in found[:2]}
    assert answers[True] == answers[False]
    assert ("Zed Quoter", "I drink water before every talk.") in answers[True]
