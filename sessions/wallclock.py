"""Wall-clock times that a time zone skips or repeats (pure: no Django here).

When the clocks go forward, the wall-clock times in between never happen (a gap); when they
go back, the hour before the change happens twice (an overlap). A time typed into a form is
a wall-clock time, so it can name no instant at all, or two.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class Gap:
    """A wall-clock time the zone skips: its clocks jump from `jumps_from` to `jumps_to`
    (both naive wall-clock times, on the day of the change)."""

    jumps_from: datetime
    jumps_to: datetime


def instants(naive: datetime, zone: tzinfo) -> list[datetime]:
    """The instants at which the zone's clocks show `naive`, earliest first, as aware
    datetimes in `zone`: one normally, two in an overlap, none in a gap."""
    found: list[datetime] = []
    for fold in (0, 1):
        aware = naive.replace(tzinfo=zone, fold=fold)
        utc = aware.astimezone(UTC)
        shows = utc.astimezone(zone).replace(tzinfo=None, fold=0) == naive.replace(fold=0)
        if shows and all(utc != other.astimezone(UTC) for other in found):
            found.append(aware)
    return sorted(found, key=lambda moment: moment.astimezone(UTC))


def gap_around(naive: datetime, zone: tzinfo) -> Gap:
    """The gap that swallows `naive` (which must be in one: `instants` returned nothing)."""
    # Read with the offsets from either side of the change, the time falls on two instants
    # that bracket the change; narrow them down to the second.
    low, high = sorted(naive.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    change = high.replace(microsecond=0)
    after = change.astimezone(zone).utcoffset()
    wall = change.replace(tzinfo=None)
    return Gap(jumps_from=wall + before, jumps_to=wall + after)


def utc_offset_label(moment: datetime) -> str:
    """ "UTC-4", "UTC+5:30", "UTC" for an aware datetime."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
