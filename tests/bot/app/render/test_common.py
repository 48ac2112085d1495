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
