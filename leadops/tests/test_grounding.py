"""Figures in an LLM's text are checked against the data it was given."""

from leadops.grounding import unsupported_figures


def test_a_figure_from_the_data_is_backed_and_one_not_in_it_is_not():
    data = [{"replies": 12, "sends": 1204, "rate_percent": 33.3}]
    assert unsupported_figures("12 replies out of 1,204 sends (33.3%), up 40% on May", data) == ["40"]


def test_a_rate_may_be_rounded_but_not_changed():
    data = [{"rate_percent": 12.46}]
    assert unsupported_figures("about 12.5 percent, or 12", data) == []
    assert unsupported_figures("13 percent", data) == ["13"]


def test_digits_inside_strings_such_as_dates_back_a_figure():
    data = [{"from": "2026-11-30", "leads": [{"name": "Ada (Acme 2)"}]}]
    assert unsupported_figures("since 2026-11-30, 2 at Acme", data) == []
    assert unsupported_figures("since 2026-11-29", data) == ["29"]
