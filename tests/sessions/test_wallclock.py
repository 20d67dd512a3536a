"""Wall-clock times a zone skips or repeats (pure, no database)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sessions.wallclock import Gap, gap_around, instants, utc_offset_label

NEW_YORK = ZoneInfo("America/New_York")


def test_a_time_in_the_spring_forward_gap_names_no_instant_and_the_gap_is_spelled_out():
    skipped = datetime(2027, 3, 14, 2, 30)

    assert instants(skipped, NEW_YORK) == []
    assert gap_around(skipped, NEW_YORK) == Gap(
        jumps_from=datetime(2027, 3, 14, 2, 0), jumps_to=datetime(2027, 3, 14, 3, 0)
    )


def test_a_time_in_the_fall_back_hour_names_two_instants_earliest_first():
    repeated = datetime(2027, 11, 7, 1, 30)

    moments = instants(repeated, NEW_YORK)

    assert [m.astimezone(UTC) for m in moments] == [
        datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
        datetime(2027, 11, 7, 6, 30, tzinfo=UTC),
    ]
    assert [(m.tzname(), utc_offset_label(m)) for m in moments] == [
        ("EDT", "UTC-4"),
        ("EST", "UTC-5"),
    ]


def test_ordinary_times_and_the_edges_of_the_changes_name_one_instant():
    for wall, utc in [
        (datetime(2027, 6, 1, 12, 0), datetime(2027, 6, 1, 16, 0)),
        (datetime(2027, 3, 14, 3, 0), datetime(2027, 3, 14, 7, 0)),
        (datetime(2027, 3, 14, 1, 59), datetime(2027, 3, 14, 6, 59)),
        (datetime(2027, 11, 7, 2, 0), datetime(2027, 11, 7, 7, 0)),
    ]:
        [moment] = instants(wall, NEW_YORK)
        assert moment.astimezone(UTC) == utc.replace(tzinfo=UTC), wall


def test_a_half_hour_change_and_half_hour_offsets():
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # springs forward by 30 minutes

    assert gap_around(datetime(2027, 10, 3, 2, 15), lord_howe) == Gap(
        jumps_from=datetime(2027, 10, 3, 2, 0), jumps_to=datetime(2027, 10, 3, 2, 30)
    )
    assert utc_offset_label(datetime(2027, 1, 1, tzinfo=ZoneInfo("Asia/Kolkata"))) == "UTC+5:30"
    assert utc_offset_label(datetime(2027, 1, 1, tzinfo=UTC)) == "UTC"
