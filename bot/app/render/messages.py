"""Short ephemeral messages: not found, slow down, no permission, something went wrong, help."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bot.app import limits
from bot.app.render.common import Reply, embed
from bot.errors import NotFoundError, UserError
from bot.model import EpisodeRef

if TYPE_CHECKING:
    from bot.app.render.transcripts import SearchTitle

HELP = (
    ("/episode episode:", "An episode's card: show, date, people, counts, link.", "/episode episode:490"),
    (
        "/takeaways episode:",
        "Key takeaways (latest episode when left empty).",
        "/takeaways episode:state of ai",
    ),
    (
        "/quote speaker name: episode:",
        "Everything a person said, in time order.",
        "/quote speaker name:nathan",
    ),
    (
        "/quote search text:",
        "Find a quote from the words you remember.",
        "/quote search text:recursive language",
    ),
    (
        "/quote random speaker: episode:",
        "A random quote, optionally by someone.",
        "/quote random speaker:raschka",
    ),
    ("/related episode:", "Related episodes and why they are related.", "/related episode:#490"),
    (
        "/search text: episode: speaker:",
        "Where in the transcripts something was said, linked to the second.",
        "/search text:sleep and memory speaker:nathan",
    ),
    ("/chapters episode:", "An episode's chapters, each linked to its start.", "/chapters episode:490"),
    (
        "/ask question:",
        "Answers from takeaways, quotes, descriptions and transcripts.",
        "/ask question:what does nathan use for coding",
    ),
    (
        "Find quote",
        "Right-click a message > Apps > Find quote: where is this line from (quotes, then transcripts)?",
        None,
    ),
    (
        "@mention",
        "Mention the bot with a question; it answers like /ask.",
        "@episode-bot who talks about MoE?",
    ),
    (
        "/daily set channel: time: timezone:",
        "Server managers: post one takeaway a day (also /daily status, preview, stop).",
        "/daily set channel:#podcast time:09:00 timezone:Europe/Paris",
    ),
    (
        "/announce set channel: role:",
        "Server managers: post each new episode once, maybe pinging a role (also /announce status, stop).",
        "/announce set channel:#new-episodes role:@listeners",
    ),
)
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


def help_card() -> Reply:
    """Return what the bot can do, with one example per command."""
    body = embed("What I can do", description="Every answer links to the exact moment in the episode.")
    for name, what, example in HELP:
        value = f"{what}\nExample: `{example}`" if example else what
        body.add_field(name=name, value=value, inline=False)
    body.set_footer(text="Episodes can be typed as 490, #490 or part of the title; names can be partial.")
    return Reply(embeds=[body], ephemeral=True)


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
