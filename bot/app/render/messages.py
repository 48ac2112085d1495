"""Short ephemeral messages: not found, slow down, no permission, something went wrong, help."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bot.app import limits
from bot.app.render.common import Reply, embed
from bot.errors import NotFoundError, UserError
from bot.examples import Examples
from bot.model import EpisodeRef

if TYPE_CHECKING:
    from bot.app.render.transcripts import SearchTitle

EXAMPLE_CHARS = 200
NO_EPISODES = 'No episodes are loaded yet: the bot\'s owner adds them (README, "Use your own show").'


# Each command, what it does, and how its example starts: the rest of the example comes from the
# loaded data (the Examples field named last), or is fixed when that field is "" (a channel and a
# time zone name no data), or there is no example when it is None.
HELP = (
    ("/episode episode:", "An episode's card: show, date, people, counts, link.", "episode"),
    ("/takeaways episode:", "Key takeaways (latest episode when left empty).", "title_words"),
    ("/quote speaker name: episode:", "Everything a person said, in time order.", "speaker"),
    ("/quote search text:", "Find a quote from the words you remember.", "quote_words"),
    ("/quote random speaker: episode:", "A random quote, optionally by someone.", "other_speaker"),
    ("/related episode:", "Related episodes and why they are related.", "related"),
    (
        "/search text: episode: speaker:",
        "Where in the transcripts something was said, linked to the second.",
        "transcript_words",
    ),
    ("/chapters episode:", "An episode's chapters, each linked to its start.", "chapters_episode"),
    ("/ask question:", "Answers from takeaways, quotes, descriptions and transcripts.", "question"),
    (
        "Find quote",
        "Right-click a message > Apps > Find quote: where is this line from (quotes, then transcripts)?",
        None,
    ),
    ("@mention", "Mention the bot with a question; it answers like /ask.", "question"),
    (
        "/daily set channel: time: timezone:",
        "Server managers: post one takeaway a day (also /daily status, preview, stop).",
        "",
    ),
    (
        "/announce set channel: role:",
        "Server managers: post each new episode once, maybe pinging a role (also /announce status, stop).",
        "",
    ),
)
EXAMPLE_STARTS = {
    "/quote speaker name: episode:": "/quote speaker name:",
    "/quote random speaker: episode:": "/quote random speaker:",
    "/search text: episode: speaker:": "/search text:",
    "/daily set channel: time: timezone:": "/daily set channel:#podcast time:09:00 timezone:Europe/Paris",
    "/announce set channel: role:": "/announce set channel:#new-episodes role:@listeners",
}


def help_rows(ex: Examples, bot_name: str) -> list[tuple[str, str, str | None]]:
    """Return (command, what it does, an example from the loaded data or None) for every command."""
    related = f"#{ex.episode}" if ex.numbered else ex.episode
    rows: list[tuple[str, str, str | None]] = []
    for name, what, field in HELP:
        value = None if field is None else related if field == "related" else getattr(ex, field, "")
        start = f"@{bot_name} " if name == "@mention" else EXAMPLE_STARTS.get(name, name)
        rows.append((name, what, None if value is None else start + value))
    return rows


EXPIRED = "These pages have expired; run the command again to get a fresh list."
NOT_YOURS = "Only the member who ran this command can turn its pages; run it yourself to browse."
OUT_OF_DATE = "This command changed since your Discord app loaded it; try again in a minute."
RESTARTING = "I'm restarting right now; try again in a minute."


class MarkupError(UserError):
    """Raise for a user error whose message is Discord markup the bot wrote (a channel mention).

    Anything typed or taken from the data must be escaped by whoever builds the message.
    """


def user_error(error: UserError) -> Reply:
    """Return the friendly ephemeral text for an error the user can fix."""
    if isinstance(error, NotFoundError):
        return not_found(error)
    text = error.message if isinstance(error, MarkupError) else limits.escape(error.message)
    return Reply(content=limits.content(text), ephemeral=True)


def not_found(error: NotFoundError) -> Reply:
    """Return `No episode matches "x".` plus up to three "did you mean" suggestions."""
    query = limits.fit(error.query, 100)
    text = f"No {error.what} matches “{query}”." if error.query else f"No {error.what} found."
    suggestions = [f"**{limits.fit(s, 150)}**" for s in error.suggestions[:3]]
    if suggestions:
        text += f" Did you mean {_either(suggestions)}?"
    return Reply(content=limits.content(text), ephemeral=True)


def cooldown(retry_after: float) -> Reply:
    """Return the slow-down message with whole seconds to wait."""
    seconds = max(1, math.ceil(retry_after))
    return Reply(content=f"You're asking quickly — try again in {seconds} s.", ephemeral=True)


def missing_permissions(permissions: list[str], *, bot: bool) -> Reply:
    """Return which permissions are missing, and whose."""
    names = ", ".join(p.replace("_", " ").replace("guild", "server").title() for p in permissions)
    who = "I need" if bot else "You need"
    return Reply(content=f"{who} the {names} permission here to do that.", ephemeral=True)


def plain(text: str) -> Reply:
    """Return a fixed ephemeral message."""
    return Reply(content=limits.content(text), ephemeral=True)


def unexpected(error_id: str) -> Reply:
    """Return the apology for a bug, with the id that finds its traceback in the log."""
    return Reply(
        content=f"Something went wrong (error id {error_id}). It has been logged; please try again.",
        ephemeral=True,
    )


def help_card(ex: Examples, bot_name: str) -> Reply:
    """Return what the bot can do, with one example per command taken from the loaded data."""
    intro = "Every answer links to the exact moment in the episode."
    body = embed("What I can do", description=f"{intro}\n{NO_EPISODES}" if ex.empty else intro)
    for name, what, example in help_rows(ex, bot_name.replace("`", "")):
        # Examples are normalized words, a file stem of safe characters or a Discord username, shown
        # in a code span (where an escape would show): a backtick is all that could end it early.
        value = f"{what}\nExample: `{limits.plain(example, EXAMPLE_CHARS)}`" if example else what
        body.add_field(name=name, value=value, inline=False)
    body.set_footer(text=typing_hint(ex))
    return Reply(embeds=[body], ephemeral=True)


def typing_hint(ex: Examples) -> str:
    """Return how episodes and names can be typed, with this data's latest episode number."""
    typed = f"{ex.episode}, #{ex.episode}" if ex.numbered else "a number, #number"
    return f"Episodes can be typed as {typed} or part of the title; names can be partial."


def ask_prompt(ex: Examples, *, mention: bool) -> str:
    """Return the note for an empty question, with a question this data answers."""
    lead = "Ask me something after the mention" if mention else "Ask a question"
    return f"{lead}, for example: {ex.question}?" if ex.question else f"{lead} about the episodes."


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def no_takeaways(episode: EpisodeRef) -> Reply:
    """Return the note for an episode whose page lists no takeaways."""
    return plain(f"{limits.escape(episode.label)} has no key takeaways in the data.")


def no_related(episode: EpisodeRef) -> Reply:
    """Return the note for an episode with no related episodes."""
    return plain(f"I know of no episodes related to {limits.escape(episode.label)}.")


def no_quotes(title: str) -> Reply:
    """Return the note for an empty quote list such as a speaker silent in one episode."""
    return plain(f"No quotes found: {limits.escape(title)}.")


def no_chapters(episode: EpisodeRef) -> Reply:
    """Return the note for an episode without chapters."""
    return plain(f"{limits.escape(episode.label)} has no chapters in the data.")


def no_moment_match(search: SearchTitle) -> Reply:
    """Return the note for a transcript search that found nothing confident."""
    where = f" in {limits.fit(search.episode.label, 150)}" if search.episode else ""
    who = f" by {limits.fit(search.speaker, 100)}" if search.speaker else ""
    shown = limits.fit(search.text, 200)
    return plain(
        f"Nothing said{who}{where} matches “{shown}” in the transcripts. Try fewer words, or words you "
        "are surer of (only episodes with a transcript can be searched; `/episode` shows which have one)."
    )


def no_quote_match(text: str) -> Reply:
    """Return the note for a quote search that found nothing confident."""
    shown = limits.fit(text, 200)
    return plain(
        f"No quote matches “{shown}”. Nothing like it was said in the transcripts either: "
        "try fewer words, or words you are surer of."
    )
