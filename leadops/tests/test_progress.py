"""Every progress bar reads the same: percent, pace and time left."""

from leadops import progress


def test_a_job_never_shows_100_percent_before_it_says_it_is_done():
    assert progress.percent(1000, 1000, succeeded=False) == 99
    assert progress.percent(1000, 1000, succeeded=True) == 100
    assert progress.percent(5, 0, succeeded=False) == 0


def test_time_left_follows_the_pace_so_far_and_is_unknown_before_the_first_unit():
    assert progress.seconds_left(250, 1000, 10.0) == 30.0
    assert progress.rate(250, 10.0) == 25.0
    assert progress.seconds_left(0, 1000, 10.0) is None and progress.rate(0, 10.0) is None
    assert progress.seconds_left(1200, 1000, 10.0) == 0.0
