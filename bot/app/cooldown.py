"""Per-user rate limits shared by a slash command and the mention reply that does the same work."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from discord import Interaction, app_commands

if TYPE_CHECKING:
    from bot.app.client import EpisodeBot

T = TypeVar("T")

RATE = 5  # answers ...
PER = 10.0  # ... per this many seconds, per member
_PRUNE_AT = 10_000  # members tracked before idle ones are forgotten


class UserCooldown:
    """Allow `rate` uses per `per` seconds per user, in a sliding window."""

    def __init__(
        self, rate: int = RATE, per: float = PER, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._uses: dict[int, deque[float]] = {}

    def hit(self, user_id: int) -> float | None:
        """Record one use; return the seconds to wait instead when the user is over the limit."""
        now = self._clock()
        uses = self._uses.setdefault(user_id, deque())
        while uses and uses[0] <= now - self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return uses[0] + self.per - now
        uses.append(now)
        if len(self._uses) > _PRUNE_AT:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        idle = [user for user, uses in self._uses.items() if not uses or uses[-1] <= now - self.per]
        for user in idle:
            del self._uses[user]


def check_predicate(name: str) -> Callable[[Interaction[Any]], Coroutine[Any, Any, bool]]:
    """Return a check that applies the bot's cooldown called `name` to the interacting user."""

    async def predicate(interaction: Interaction[EpisodeBot]) -> bool:
        bucket = interaction.client.cooldowns[name]
        retry_after = bucket.hit(interaction.user.id)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(bucket.rate, bucket.per), retry_after)
        return True

    return predicate


def check(name: str) -> Callable[[T], T]:
    """Decorate an app command with the bot's cooldown called `name`."""
    return app_commands.check(check_predicate(name))
