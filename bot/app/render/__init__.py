"""Pure builders: model data in, embeds, text and link buttons out; nothing here sends anything."""

from bot.app.render.common import Link, PageInfo, Reply

__all__ = ["Link", "PageInfo", "Reply"]
