"""Working days for appointment dates (ngày hẹn trả)."""

import pandas as pd

from analysis.reference.calendar import (
    add_working_days,
    count_working_days,
    vietnam_holidays,
    working_days_in_month,
)


def _series(*values):
    return pd.Series(pd.to_datetime(list(values)))


class TestAddWorkingDays:
    def test_weekend_is_skipped(self):
        due = add_working_days(_series("2021-03-05 09:00"), 1)  # Friday
        assert due.iloc[0] == pd.Timestamp("2021-03-08 09:00")  # Monday, same time of day

    def test_tet_2021_is_skipped(self):
        due = add_working_days(_series("2021-02-05"), 3)  # Friday before Tết (10-16/2)
        assert due.iloc[0] == pd.Timestamp("2021-02-17")

    def test_reunification_and_labour_day_are_skipped(self):
        due = add_working_days(_series("2021-04-29"), 2)  # 30/4 Fri, 1/5 Sat, 3/5 compensatory
        assert due.iloc[0] == pd.Timestamp("2021-05-05")

    def test_saturday_can_be_made_to_count(self):
        due = add_working_days(_series("2021-03-05"), 1, saturday_counts=True)
        assert due.iloc[0] == pd.Timestamp("2021-03-06")

    def test_missing_intake_gives_missing_appointment(self):
        due = add_working_days(pd.Series([pd.NaT, pd.Timestamp("2021-03-01")]), 1)
        assert pd.isna(due.iloc[0]) and due.iloc[1] == pd.Timestamp("2021-03-02")


def test_counting_inverts_adding():
    start = _series("2021-01-04", "2021-02-08", "2021-08-30")
    due = add_working_days(start, pd.Series([5, 7, 3]))
    assert count_working_days(start, due).tolist() == [5, 7, 3]


def test_national_day_is_a_holiday():
    assert pd.Timestamp("2021-09-02") in vietnam_holidays()


def test_february_2021_has_15_working_days():
    assert working_days_in_month("2021-02") == 15
