"""`/ask` and plain-chat questions that mention the bot: ranked passages with citations."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import cooldown, paging, respond, served
from bot.app.render import Reply, answers, messages
from bot.app.tree import answer_for, log_unexpected
from bot.errors import UserError

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot
    from bot.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

PASSAGES = 10
QUESTION_MAX_CHARS = 300


async def _load(kb: KnowledgeBase, question: str, limit: int) -> tuple[Any, list[Any]]:
    return question, await kb.ask(question, limit=min(limit, PASSAGES))


ASK = paging.register(
    paging.Listing(
        kind="a", per_page=5, load=_load, render=answers.ask_page, empty=lambda _q: answers.nothing_found()
    )
)


def question_text(text: str) -> str:
    """Return the question to look up: its words, single-spaced and cut to the longest question."""
    return " ".join(text.split())[:QUESTION_MAX_CHARS]


def strip_mentions(content: str, user_id: int) -> str:
    """Return a message's text without the mentions of the bot (`<@id>` or `<@!id>`)."""
    for mention in (f"<@{user_id}>", f"<@!{user_id}>"):
        content = content.replace(mention, " ")
    return content.strip()


class Ask(commands.Cog):
    """Answer free-text questions."""

    def __init__(self, bot: EpisodeBot) -> None:
        self.bot = bot
        self._refused: set[int] = set()  # members already told to slow down in this burst

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question, in plain words")
    @cooldown.check("ask")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, QUESTION_MAX_CHARS]
    ) -> None:
        """Ask a question; get the best passages from the episodes, each linked to its moment."""
        words = question_text(question)
        if not words:
            raise UserError(messages.ask_prompt(await self.bot.kb.examples(), mention=False))
        work = paging.first_page(self.bot, interaction.user.id, ASK, words)
        await respond.answer(interaction, work)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message that mentions the bot as /ask would, as a reply."""
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        # Only a written @mention asks: @everyone/@here and role pings do not, and neither does a
        # reply to one of the bot's answers, which pings it by default ("thanks!" is no question)
        # and so is in message.mentions but not in the text's raw_mentions.
        if me.id not in message.raw_mentions or not self.bot.admit():  # not while shutting down
            return
        started = time.perf_counter()
        try:
            reply, outcome = await self.mention_reply(message, me.id)
        except Exception as exc:
            reply, outcome = answer_for(exc, f"mention in channel {message.channel.id}")
        if reply is not None:
            await self.send_reply(message, reply)
        served.record("@mention", message.guild.id, started, outcome)

    async def mention_reply(self, message: discord.Message, my_id: int) -> tuple[Reply | None, str]:
        """Return the answer to a mention and its outcome; a cooldown note once per window, then None."""
        question = strip_mentions(message.content, my_id)
        retry_after = self.bot.cooldowns["ask"].hit(message.author.id)
        if retry_after is not None:
            note = messages.cooldown(retry_after) if self._first_refusal(message.author.id) else None
            return note, "cooldown"
        self._refused.discard(message.author.id)
        words = question_text(question)
        if not words:
            prompt = messages.ask_prompt(await self.bot.kb.examples(), mention=True)
            return messages.plain(prompt), "user_error"
        return await paging.first_page(self.bot, message.author.id, ASK, words), "ok"

    def _first_refusal(self, user_id: int) -> bool:
        # One "slow down" per burst: replying to every extra message would double the spam.
        first = user_id not in self._refused
        self._refused.add(user_id)
        return first

    async def send_reply(self, message: discord.Message, reply: Reply) -> None:
        """Reply in the channel without pinging anyone; a refused send is logged, not retried."""
        try:
            await message.reply(**respond.message_kwargs(reply), mention_author=False)
        except discord.Forbidden as exc:
            log.warning("Cannot answer a mention in channel %s: %s", message.channel.id, exc)
        except discord.HTTPException as exc:
            log_unexpected(exc, f"replying to a mention in channel {message.channel.id}")


async def setup(bot: EpisodeBot) -> None:
    """Add the cog."""
    await bot.add_cog(Ask(bot))
