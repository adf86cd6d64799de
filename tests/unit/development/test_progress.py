"""Progress towards a target (#8), by hand: least-squares trend, trend needed, status."""

from __future__ import annotations

import pytest

from wuzhen.development.progress import progress, slope


def test_slope_by_hand() -> None:
    # years 2010..2012, values 1, 3, 4: mean year 2011, mean value 8/3;
    # sxy = (-1)(1 - 8/3) + 0 + (1)(4 - 8/3) = 3, sxx = 2 -> 1.5
    assert slope([(2010, 1.0), (2011, 3.0), (2012, 4.0)]) == pytest.approx(1.5)
    assert slope([(2010, 1.0)]) is None


def test_the_founding_conference_example_has_too_few_observations() -> None:
    p = progress([(2015, 93.5)], 100.0, 2020, this_year=2016)
    assert p.status == "unknown"
    assert p.gap == pytest.approx(6.5)
    assert p.needed_per_year == pytest.approx(1.3)  # 6.5 points over 5 years
    assert p.trend_per_year is None


def test_on_track_and_off_track() -> None:
    obs = [(2015, 93.5), (2016, 95.0), (2017, 96.5)]  # +1.5 a year
    on = progress(obs, 100.0, 2020, this_year=2018)
    assert on.status == "on-track"
    assert on.trend_per_year == pytest.approx(1.5)
    assert on.projected == pytest.approx(101.0)  # 96.5 + 3 * 1.5
    assert on.needed_per_year == pytest.approx(3.5 / 3)
    off = progress(obs, 100.0, 2018, this_year=2018)  # 96.5 + 1.5 = 98 < 100
    assert off.status == "off-track"


def test_met_missed_and_no_data() -> None:
    assert progress([(2015, 93.5), (2019, 100.0)], 100.0, 2020, 2021).status == "met"
    # reached only after the deadline: the late observation does not count
    assert progress([(2015, 93.5), (2020, 99.0), (2021, 100.0)], 100.0, 2020, 2022).status == (
        "missed"
    )
    assert progress([], 100.0, 2020, 2021).status == "no-data"
    # deadline passed, no observation for it: not known
    assert progress([(2015, 93.5), (2016, 95.0)], 100.0, 2020, 2026).status == "unknown"


def test_a_target_downwards() -> None:
    falling = [(2018, 30.0), (2019, 25.0), (2020, 20.0)]
    assert progress(falling, 10.0, 2022, 2021).status == "on-track"
    assert progress(falling, 0.0, 2022, 2021).status == "off-track"
    assert progress(falling, 20.0, 2022, 2021).status == "met"
