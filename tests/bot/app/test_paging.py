from types import SimpleNamespace

import pytest

from bot.app import limits, paging
from bot.app.render import Reply, messages
from bot.errors import NotFoundError
from tests.helpers import mock_interaction


def render(context, items, info):
    more = "+" if info.capped else ""
    return Reply(
        content=f"{context}: {','.join(items)} ({info.index + 1}/{info.count} of {info.total}{more})"
    )


ITEMS = [f"i{n}" for n in range(7)]


async def load(kb, arg, limit):
    if arg == "gone":
        raise NotFoundError("episode", arg)
    if arg == "bug":
        raise RuntimeError("broken loader")
    if arg == "huge":
        return arg.upper(), [f"i{n}" for n in range(limit)]
    return arg.upper(), ITEMS


LISTING = paging.register(
    paging.Listing(kind="z", per_page=3, load=load, render=render, empty=lambda c: messages.plain("none"))
)


def ids(reply: Reply) -> list[str]:
    return [item.custom_id for item in reply.controls]


async def test_a_single_page_has_no_buttons(db):
    reply = await paging.page_reply(db, LISTING, "a", ("A", ITEMS[:3]), page=0, user_id=42)
    assert reply.content == "A: i0,i1,i2 (1/1 of 3)"
    assert reply.controls == []


async def test_buttons_carry_kind_owner_page_and_argument(db):
    reply = await paging.page_reply(db, LISTING, "abc", ("ABC", ITEMS), page=0, user_id=42)
    assert ids(reply) == ["ep:pg:z:42:0:=abc", "ep:pg:z:42:1:=abc"]
    assert [item.item.disabled for item in reply.controls] == [True, False]


async def test_last_page_disables_next(db):
    reply = await paging.page_reply(db, LISTING, "abc", ("ABC", ITEMS), page=2, user_id=42)
    assert reply.content == "ABC: i6 (3/3 of 7)"
    assert ids(reply) == ["ep:pg:z:42:1:=abc", "ep:pg:z:42:2:=abc"]
    assert [item.item.disabled for item in reply.controls] == [False, True]


async def test_a_long_argument_is_kept_in_the_database(db):
    question = "what does nathan use for coding " * 5
    reply = await paging.page_reply(db, LISTING, question, ("Q", ITEMS), page=0, user_id=2**63)
    for custom_id in ids(reply):
        assert len(custom_id) <= limits.CUSTOM_ID
        assert ":#" in custom_id


def client(db, kb=None):
    return SimpleNamespace(db=db, kb=kb or SimpleNamespace())


async def press(db, custom_id: str, user_id: int = 42):
    interaction = mock_interaction(user_id=user_id)
    interaction.client = client(db)
    await paging.PageButton(custom_id, "Next ▶").callback(interaction)
    return interaction


async def test_the_owner_turns_the_page_in_place(db):
    interaction = await press(db, "ep:pg:z:42:1:=abc")
    kwargs = interaction.response.edit_message.await_args.kwargs
    assert kwargs["content"] == "ABC: i3,i4,i5 (2/3 of 7)"
    assert [b.custom_id for b in kwargs["view"].children] == ["ep:pg:z:42:0:=abc", "ep:pg:z:42:2:=abc"]
    interaction.response.send_message.assert_not_awaited()


async def test_a_stored_argument_still_pages(db):
    question = "q" * 150
    first = await paging.page_reply(db, LISTING, question, ("Q", ITEMS), page=0, user_id=42)
    interaction = await press(db, ids(first)[1])
    assert interaction.response.edit_message.await_args.kwargs["content"].startswith("Q" * 150 + ": i3")


def said(interaction) -> tuple[str, bool]:
    kwargs = interaction.response.send_message.await_args.kwargs
    return kwargs["content"], kwargs["ephemeral"]


async def test_someone_else_cannot_turn_the_page(db):
    interaction = await press(db, "ep:pg:z:42:1:=abc", user_id=7)
    assert said(interaction) == (messages.NOT_YOURS, True)
    interaction.response.edit_message.assert_not_awaited()


@pytest.mark.parametrize(
    "custom_id",
    [
        "ep:pg:z:42:9:=abc",  # the list got shorter
        "ep:pg:z:42:1:=gone",  # the episode left the data
        "ep:pg:z:42:1:#0123456789abcdef01234567",  # argument never stored
        "ep:pg:y:42:1:=abc",  # a kind this version does not know
        "ep:pg:garbage",
    ],
)
async def test_expired_or_unknown_pages_say_so(db, custom_id):
    interaction = await press(db, custom_id)
    assert said(interaction) == (messages.EXPIRED, True)


async def test_a_bug_while_paging_is_reported_with_an_error_id(db):
    interaction = await press(db, "ep:pg:z:42:1:=bug")
    content, ephemeral = said(interaction)
    assert content.startswith("Something went wrong (error id ")
    assert ephemeral


async def test_first_page_uses_the_empty_reply_for_an_empty_list(db):
    async def nothing(kb, arg, limit):
        return arg, []

    empty = paging.Listing(kind="e", per_page=3, load=nothing, render=render, empty=messages.plain)
    reply = await paging.first_page(client(db), 42, empty, "nothing here")
    assert reply.content == "nothing here"


async def test_a_huge_list_is_capped_and_says_so(db):
    reply = await paging.first_page(client(db), 42, LISTING, "huge")
    assert reply.content == f"HUGE: i0,i1,i2 (1/34 of {paging.LIST_CAP}+)"


PARTS = [("Ana", "talk|part-2"), ("A|B", ""), ('say "hi"', "back\\slash"), ("", "")]


@pytest.mark.parametrize("parts", PARTS)
def test_packed_arguments_split_back_exactly(parts):
    assert paging.unpack(paging.pack(*parts), len(parts)) == list(parts)


@pytest.mark.parametrize("arg", ["Ana|talk", "[1, 2]", '["only one"]', "[", '{"a": "b"}'])
def test_an_argument_this_bot_did_not_pack_is_a_list_that_expired(arg):
    with pytest.raises(NotFoundError):
        paging.unpack(arg, 2)


DAY = 86_400


async def stored(db) -> tuple[int, int]:
    """Return (long arguments kept for buttons, rows in bot_state)."""
    async with db.conn.execute("SELECT count(*) FROM page_args") as cur:
        args = (await cur.fetchone())[0]
    async with db.conn.execute("SELECT count(*) FROM bot_state") as cur:
        return args, (await cur.fetchone())[0]


async def long_list(db, user_id: int, n: int) -> Reply:
    question = f"question number {n} from a member who asks long questions about many things " * 2
    return await paging.page_reply(db, LISTING, question, ("Q", ITEMS), page=0, user_id=user_id)


async def test_a_member_keeps_only_their_newest_long_lists(db):
    sent = [await long_list(db, 42, n) for n in range(paging.pages_store.PER_MEMBER + 30)]
    other = await long_list(db, 7, 0)
    assert await stored(db) == (paging.pages_store.PER_MEMBER + 1, 0)
    assert said(await press(db, ids(sent[0])[1])) == (messages.EXPIRED, True)
    newest = await press(db, ids(sent[-1])[1])
    assert newest.response.edit_message.await_count == 1
    assert (await press(db, ids(other)[1], user_id=7)).response.edit_message.await_count == 1


async def test_long_lists_unused_for_a_month_expire_and_paging_keeps_one_alive(db, monkeypatch):
    clock = [1_800_000_000]
    monkeypatch.setattr(paging, "now", lambda: clock[0])
    idle, busy = await long_list(db, 42, 1), await long_list(db, 42, 2)
    clock[0] += 20 * DAY
    assert (await press(db, ids(busy)[1])).response.edit_message.await_count == 1
    clock[0] += 20 * DAY
    assert said(await press(db, ids(idle)[1])) == (messages.EXPIRED, True)
    assert (await press(db, ids(busy)[1])).response.edit_message.await_count == 1
    await long_list(db, 7, 3)  # any new long list clears what expired
    assert await stored(db) == (2, 0)
