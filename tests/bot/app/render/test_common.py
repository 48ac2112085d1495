from bot.app.render import common
from tests.helpers import SEED_URL, episode


def test_moment_is_a_masked_link_to_the_second():
    assert common.moment(10005, f"{SEED_URL}&t=10005s") == f"[▶ 2:46:45]({SEED_URL}&t=10005s)"


def test_moment_without_a_link_is_plain_text():
    assert common.moment(932, None) == "▶ 15:32"


def test_moment_with_an_overlong_link_is_plain_text():
    assert common.moment(53, "https://example.com/" + "a" * 600) == "▶ 0:53"


def test_safe_url_keeps_parentheses_from_closing_the_link():
    assert common.safe_url("https://e.com/a_(b) c") == "https://e.com/a_%28b%29%20c"


def test_moment_link_button_label_and_url():
    link = common.moment_link(10005, f"{SEED_URL}&t=10005s", "Sebastian Raschka")
    assert link == common.Link("▶ 2:46:45 · Sebastian Raschka", f"{SEED_URL}&t=10005s")


def test_moment_link_needs_a_url():
    assert common.moment_link(10005, None) is None


def test_episode_link_only_for_http_urls():
    assert common.episode_link(episode()) == common.Link("Open episode", SEED_URL)
    assert common.episode_link(episode(url="ftp://example.com/x")) is None
    assert common.episode_link(episode(url=None)) is None


def test_page_footer():
    assert common.PageInfo(0, 1, 3).footer("quote") == "3 quotes"
    assert common.PageInfo(1, 3, 11).footer("quote") == "Page 2/3 · 11 quotes"
    assert common.PageInfo(0, 1, 1).footer("quote") == "1 quote"
    assert common.PageInfo(0, 20, 100, capped=True).footer("quote") == "Page 1/20 · 100+ quotes"


def test_embed_title_is_escaped_and_fitted():
    embed = common.embed("**x**" + "y" * 300)
    assert embed.title.startswith("\\*\\*x\\*\\*")
    assert len(embed.title) == 256


def test_a_link_is_measured_as_it_is_sent():
    parens = "https://e.org/?q=" + "(a)" * 160  # 497 characters, 817 with ( and ) encoded
    assert common.moment(60, parens) == "▶ 1:00"
    assert common.moment_link(60, parens) is not None  # a button takes ( and ) as they are
    spaced = "https://e.org/" + "a b" * 166  # 512 characters, 844 with the spaces encoded
    assert common.moment_link(60, spaced) is None
    assert common.moment(60, "https://e.org/a b") == "[▶ 1:00](https://e.org/a%20b)"


def test_a_sent_url_is_well_formed():
    assert common.sendable_url('https://e.org/Zoë Ång?q="x" <y>', 2048) == (
        "https://e.org/Zo%C3%AB%20%C3%85ng?q=%22x%22%20%3Cy%3E"
    )
    assert common.sendable_url("https://e.org/a%20b?c=d&e=f#g", 2048) == "https://e.org/a%20b?c=d&e=f#g"
    assert common.sendable_url("ftp://e.org/x", 2048) is None


def test_an_embed_url_over_2048_characters_is_left_out():
    assert common.embed("t", url="https://e.org/" + "a" * 2034).url is not None
    assert common.embed("t", url="https://e.org/" + "a" * 2035).url is None


def test_first_within_prefers_the_first_option_that_fits():
    assert common.first_within(["long option", "short", "s"], 5) == "short"
    assert common.first_within(["long option", "longer"], 3) == "longer"
