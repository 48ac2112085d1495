from bot.app.cooldown import UserCooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_rate_uses_then_says_how_long_to_wait():
    clock = Clock()
    bucket = UserCooldown(rate=5, per=10, clock=clock)
    assert [bucket.hit(1) for _ in range(5)] == [None] * 5
    clock.now += 4
    assert bucket.hit(1) == 6.0


def test_window_slides():
    clock = Clock()
    bucket = UserCooldown(rate=2, per=10, clock=clock)
    bucket.hit(1)
    clock.now += 6
    bucket.hit(1)
    clock.now += 4  # the first use has left the window
    assert bucket.hit(1) is None
    assert bucket.hit(1) == 6.0


def test_users_are_counted_separately():
    bucket = UserCooldown(rate=1, per=10, clock=Clock())
    assert bucket.hit(1) is None
    assert bucket.hit(2) is None
    assert bucket.hit(1) is not None


def test_refused_uses_do_not_extend_the_wait():
    clock = Clock()
    bucket = UserCooldown(rate=1, per=10, clock=clock)
    bucket.hit(1)
    for _ in range(3):
        bucket.hit(1)
    clock.now += 10
    assert bucket.hit(1) is None
