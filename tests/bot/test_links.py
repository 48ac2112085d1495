import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.links import format_offset, moment_url, parse_offset, timestamp_url

SEED_URL = "https://www.youtube.com/watch?v=EV7WhVT270Q"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:53", 53),
        ("15:32", 932),
        ("17:05", 1025),
        ("24:05", 1445),
        ("2:28:05", 8885),
        ("2:37:55", 9475),
        ("2:46:45", 10005),
        ("3:21:02", 12062),
        ("3:39:38", 13178),
        ("0:00:42", 42),
        ("00:42", 42),
        (" 1:02:03 ", 3723),
        ("75:00", 4500),
    ],
)
def test_parse_offset_accepts_clock_forms(text, seconds):
    assert parse_offset(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["61:99:xx", "1:60", "1:02:60", "1:60:00", "53", "", ":53", "1:5", "1:2:3", "-1:00", "1:00s", "١:٠٠"],
)
def test_parse_offset_rejects_other_text(text):
    with pytest.raises(ValueError, match=r"1:23|below 60"):
        parse_offset(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (53, "0:53"), (932, "15:32"), (3599, "59:59"), (3600, "1:00:00"), (10005, "2:46:45")],
)
def test_format_offset(seconds, text):
    assert format_offset(seconds) == text


@given(st.integers(min_value=0, max_value=999 * 3600))
def test_format_then_parse_round_trips(seconds):
    assert parse_offset(format_offset(seconds)) == seconds


def test_seed_quote_links_to_its_second():
    assert timestamp_url(SEED_URL, parse_offset("2:46:45")) == f"{SEED_URL}&t=10005s"


@pytest.mark.parametrize(
    ("url", "link"),
    [
        (f"{SEED_URL}&t=99s", f"{SEED_URL}&t=53s"),
        (
            "https://www.youtube.com/watch?t=1h2m&v=ID&list=PL1",
            "https://www.youtube.com/watch?v=ID&list=PL1&t=53s",
        ),
        ("https://m.youtube.com/watch?v=ID", "https://m.youtube.com/watch?v=ID&t=53s"),
        ("https://youtube.com/live/ID", "https://youtube.com/live/ID?t=53s"),
        ("https://www.youtube.com/embed/ID", "https://www.youtube.com/embed/ID?start=53"),
        ("https://youtu.be/ID", "https://youtu.be/ID?t=53"),
        ("https://youtu.be/ID?si=abc&t=7", "https://youtu.be/ID?si=abc&t=53"),
        (
            "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
            "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk?t=53",
        ),
        ("https://open.spotify.com/episode/X?si=1&t=2", "https://open.spotify.com/episode/X?si=1&t=53"),
        ("https://cdn.example.org/ep490.mp3", "https://cdn.example.org/ep490.mp3#t=53"),
        ("https://cdn.example.org/ep490.M4A?token=1#t=9", "https://cdn.example.org/ep490.M4A?token=1#t=53"),
        ("http://cdn.example.org/a/ep.ogg", "http://cdn.example.org/a/ep.ogg#t=53"),
    ],
)
def test_timestamp_url_sets_the_start_time(url, link):
    assert timestamp_url(url, 53) == link


@pytest.mark.parametrize(
    "url",
    [
        "https://podcasts.apple.com/us/podcast/x/id1434243584?i=1000000000000",
        "https://lexfridman.com/state-of-ai-2026/",
        "https://open.spotify.com/show/2MAi0BvDc6GTFvKFPXnkCL",
    ],
)
def test_timestamp_url_keeps_urls_without_a_time_parameter(url):
    assert timestamp_url(url, 53) == url


@pytest.mark.parametrize(
    "url", [None, "", "ftp://example.org/ep.mp3", "javascript:alert(1)", "youtu.be/ID", "http://[::1"]
)
def test_timestamp_url_needs_an_http_url(url):
    assert timestamp_url(url, 53) is None


@pytest.mark.parametrize(
    ("url", "audio", "link"),
    [
        # Audio known as audio by its type: #t= even without a file ending.
        (None, "https://hosting.example/play/4711", "https://hosting.example/play/4711#t=53"),
        (
            "https://hosting.example/play/4711",
            "https://hosting.example/play/4711",
            "https://hosting.example/play/4711#t=53",
        ),
        (
            "https://lexfridman.com/state-of-ai-2026/",
            "https://dts.example/redirect/ep",
            "https://dts.example/redirect/ep#t=53",
        ),
        # A link whose player takes a start time wins over the audio.
        (SEED_URL, "https://hosting.example/play/4711", f"{SEED_URL}&t=53s"),
        (
            "https://cdn.example.org/ep.mp4",
            "https://hosting.example/play/4711",
            "https://cdn.example.org/ep.mp4#t=53",
        ),
        # Without audio, a link that takes no time stays as it is.
        ("https://lexfridman.com/state-of-ai-2026/", None, "https://lexfridman.com/state-of-ai-2026/"),
        (None, "not a url", None),
    ],
)
def test_moment_url_plays_the_audio_from_the_second_when_the_link_cannot(url, audio, link):
    assert moment_url(url, 53, audio) == link


def test_links_of_one_episode_differ_only_in_their_second():
    url = "https://www.youtube.com/watch?v=EV7WhVT270Q&t=3s#chapters"
    assert [moment_url(url, s) for s in (0, 7, 10005)] == [
        "https://www.youtube.com/watch?v=EV7WhVT270Q&t=0s#chapters",
        "https://www.youtube.com/watch?v=EV7WhVT270Q&t=7s#chapters",
        "https://www.youtube.com/watch?v=EV7WhVT270Q&t=10005s#chapters",
    ]
    odd = "https://www.youtube.com/watch?v=a\x00b"  # a NUL in the address is kept, and so is the time
    assert moment_url(odd, 5) == "https://www.youtube.com/watch?v=a\x00b&t=5s"
    assert moment_url("https://example.com/page\x00", 5, "https://cdn.example/ep.mp3") == (
        "https://cdn.example/ep.mp3#t=5"
    )
