"""Discord's documented limits, checked the way Discord answers them: a 50035 error tree."""

from __future__ import annotations

import re
from typing import Any

# \w covers letters, digits and "_" in every script, which is close to Discord's \p{L}\p{N} rule.
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
SUBCOMMAND_TYPES = (1, 2)
MAX_CONTENT, MAX_EMBEDS, MAX_EMBED_TOTAL, MAX_CHOICES, MAX_ROWS, MAX_ROW_BUTTONS = 2000, 10, 6000, 25, 5, 5
EMBED_TEXT = {"title": 256, "description": 4096}
# Discord checks every URL it is sent: embeds' (links and images) up to 2048 characters, link
# buttons' up to 512, a web scheme, and a well-formed address (no spaces, a host).
EMBED_URL, LINK_URL = 2048, 512
URL_SCHEMES = ("http", "https", "discord")
IMAGE_SCHEMES = (*URL_SCHEMES, "attachment")
LINK_STYLE = 5
ALL_MENTIONS = ("users", "roles", "everyone")


class Errors:
    """Collect errors into Discord's nested `errors` object, keyed by the path of the bad field."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: tuple[Any, ...], code: str, message: str) -> None:
        """Record one error at `path`."""
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(self, path: tuple[Any, ...], value: Any, high: int, low: int = 0) -> None:
        """Record a length error when len(value) is outside low..high."""
        size = len(value or "")
        if size > high or size < low:
            if low:
                self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
            else:
                self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")


def check_commands(commands: list[dict[str, Any]]) -> dict[str, Any]:
    """Validate a bulk-overwrite body; return the error tree ({} when Discord would accept it)."""
    err = Errors()
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        key = (cmd.get("name", ""), cmd.get("type", 1))
        if key in seen:
            msg = "Application command names must be unique"
            err.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", msg)
        seen.add(key)
        if key[1] == 1:
            _check_node(err, (i,), cmd)
        else:  # context menus allow spaces and capitals, and have no description
            err.length((i, "name"), key[0], 32, 1)
    return err.tree


def _check_name(err: Errors, path: tuple[Any, ...], name: str) -> None:
    if not COMMAND_NAME.match(name) or name != name.lower():
        err.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_node(err: Errors, path: tuple[Any, ...], node: dict[str, Any]) -> None:
    """Check a command, subcommand group, subcommand or option, and everything below it."""
    _check_name(err, path, node.get("name", ""))
    err.length((*path, "description"), node.get("description"), 100, 1)
    options = node.get("options") or []
    err.length((*path, "options"), options, MAX_CHOICES)
    names: set[str] = set()
    optional_seen = False
    for j, opt in enumerate(options):
        here = (*path, "options", j)
        if opt.get("name") in names:
            msg = "Option names must be unique"
            err.add((*here, "name"), "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS", msg)
        names.add(opt.get("name"))
        if opt.get("type") in SUBCOMMAND_TYPES:
            _check_node(err, here, opt)
            continue
        _check_option(err, here, opt)
        if opt.get("required") and optional_seen:
            order = "Required options must be placed before non-required options"
            err.add((*path, "options"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", order)
        optional_seen = optional_seen or not opt.get("required")


def _check_option(err: Errors, path: tuple[Any, ...], opt: dict[str, Any]) -> None:
    _check_name(err, path, opt.get("name", ""))
    err.length((*path, "description"), opt.get("description"), 100, 1)
    choices = opt.get("choices") or []
    err.length((*path, "choices"), choices, MAX_CHOICES)
    if choices and opt.get("autocomplete"):
        msg = "Autocomplete cannot be used with choices"
        err.add((*path, "autocomplete"), "AUTOCOMPLETE_AND_CHOICES", msg)
    for k, choice in enumerate(choices):
        _check_choice(err, (*path, "choices", k), choice)


def _check_choice(err: Errors, path: tuple[Any, ...], choice: dict[str, Any]) -> None:
    err.length((*path, "name"), choice.get("name"), 100, 1)
    if isinstance(choice.get("value"), str):
        err.length((*path, "value"), choice["value"], 100)


def check_choices(data: dict[str, Any]) -> dict[str, Any]:
    """Validate an autocomplete result's `data` (choices); return the error tree."""
    err = Errors()
    choices = data.get("choices") or []
    err.length(("choices",), choices, MAX_CHOICES)
    for k, choice in enumerate(choices):
        _check_choice(err, ("choices", k), choice)
    return err.tree


def check_message(msg: dict[str, Any]) -> dict[str, Any]:
    """Validate the fields present in a message body; return the error tree."""
    err = Errors()
    if msg.get("content") is not None:
        err.length(("content",), msg["content"], MAX_CONTENT)
    embeds = msg.get("embeds") or []
    err.length(("embeds",), embeds, MAX_EMBEDS)
    for i, embed in enumerate(embeds):
        _check_embed(err, ("embeds", i), embed)
    if sum(embed_size(e) for e in embeds) > MAX_EMBED_TOTAL:
        too_big = f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
        err.add(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", too_big)
    _check_components(err, msg.get("components") or [])
    return err.tree


def embed_size(embed: dict[str, Any]) -> int:
    """Count an embed's text the way Discord does for the 6000 total."""
    fields = embed.get("fields") or []
    parts = [embed.get("title"), embed.get("description"), (embed.get("footer") or {}).get("text")]
    parts += [(embed.get("author") or {}).get("name")]
    parts += [f.get("name") for f in fields] + [f.get("value") for f in fields]
    return sum(len(p or "") for p in parts)


def check_url(err: Errors, path: tuple[Any, ...], url: Any, high: int, schemes: tuple[str, ...]) -> None:
    """Record what Discord would say about a URL (nothing when it is absent or fine)."""
    if url is None:
        return
    text = str(url)
    err.length(path, text, high)
    scheme, _, rest = text.partition(":")
    if scheme.lower() not in schemes:
        allowed = ", ".join(repr(s) for s in schemes)
        err.add(
            path,
            "URL_TYPE_INVALID_SCHEME",
            f'Scheme "{scheme}" is not supported. Scheme must be one of ({allowed}).',
        )
    elif any(ch.isspace() for ch in text) or not rest.removeprefix("//").split("/", 1)[0]:
        err.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def _check_embed(err: Errors, path: tuple[Any, ...], embed: dict[str, Any]) -> None:
    for key, limit in EMBED_TEXT.items():
        err.length((*path, key), embed.get(key), limit)
    check_url(err, (*path, "url"), embed.get("url"), EMBED_URL, URL_SCHEMES)
    check_url(err, (*path, "author", "url"), (embed.get("author") or {}).get("url"), EMBED_URL, URL_SCHEMES)
    for key, part in (("author", "icon_url"), ("footer", "icon_url"), ("thumbnail", "url"), ("image", "url")):
        url = (embed.get(key) or {}).get(part)
        check_url(err, (*path, key, part), url, EMBED_URL, IMAGE_SCHEMES)
    err.length((*path, "footer", "text"), (embed.get("footer") or {}).get("text"), 2048)
    err.length((*path, "author", "name"), (embed.get("author") or {}).get("name"), 256)
    fields = embed.get("fields") or []
    err.length((*path, "fields"), fields, 25)
    for j, field in enumerate(fields):
        err.length((*path, "fields", j, "name"), field.get("name"), 256, 1)
        err.length((*path, "fields", j, "value"), field.get("value"), 1024, 1)


def _check_components(err: Errors, rows: list[dict[str, Any]]) -> None:
    err.length(("components",), rows, MAX_ROWS)
    custom_ids: set[str] = set()
    for i, row in enumerate(rows):
        if row.get("type") != 1:
            err.add(("components", i, "type"), "UNION_TYPE_CHOICES", "Value must be an action row (type 1)")
            continue
        children = row.get("components") or []
        if len(children) > MAX_ROW_BUTTONS:
            msg = "The specified component exceeds the maximum width"
            err.add(("components", i, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", msg)
        for j, button in enumerate(children):
            _check_button(err, ("components", i, "components", j), button, custom_ids)


def _check_button(err: Errors, path: tuple[Any, ...], button: dict[str, Any], seen: set[str]) -> None:
    if button.get("type") != 2:  # only buttons are checked in detail; selects pass through
        return
    err.length((*path, "label"), button.get("label"), 80)
    if button.get("style") == LINK_STYLE:
        if not button.get("url"):
            err.add((*path, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        else:
            check_url(err, (*path, "url"), button["url"], LINK_URL, URL_SCHEMES)
        if "custom_id" in button:
            msg = "A custom id cannot be specified"
            err.add((*path, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", msg)
        return
    custom_id = button.get("custom_id")
    err.length((*path, "custom_id"), custom_id, 100, 1)
    if custom_id in seen:
        msg = "Component custom id was already specified"
        err.add((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", msg)
    seen.add(custom_id)


def mention_leaks(msg: dict[str, Any], default_parse: tuple[str, ...]) -> list[str]:
    """Name what a new message's allowed_mentions would let it ping ([] when nothing)."""
    allowed = msg.get("allowed_mentions")
    if allowed is None:  # Discord's default when the field is left out
        allowed = {"parse": list(default_parse)}
    parse = allowed.get("parse") or []
    kinds = []
    if "everyone" in parse:
        kinds.append("@everyone/@here")
    if "roles" in parse or allowed.get("roles"):
        kinds.append("roles")
    if "users" in parse or allowed.get("users"):
        kinds.append("users")
    if allowed.get("replied_user") and msg.get("message_reference"):
        kinds.append("replied user")
    return kinds
