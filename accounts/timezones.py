"""The time zones people choose from, and a form field that offers them grouped by region.

The list is the canonical Region/City zones of the IANA database (`zone.tab`: at least one per
country, what `tzselect` offers) in the eight regions people live in, plus UTC; not the ~600
names `zoneinfo.available_timezones()` knows, which include "localtime", "Zulu", "Etc/GMT+5"
and legacy aliases such as "US/Eastern" or "GB". A browser may still report an alias (Chrome
says "Asia/Calcutta"), so any IANA name is accepted and stored as the listed zone it is another
name for ("Asia/Kolkata"), or as itself when no listed zone is the same.
"""

import functools
import importlib.resources
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

REGIONS = {
    "Africa": _("Africa"),
    "America": _("America"),
    "Asia": _("Asia"),
    "Atlantic": _("Atlantic"),
    "Australia": _("Australia"),
    "Europe": _("Europe"),
    "Indian": _("Indian"),
    "Pacific": _("Pacific"),
}
UTC = "UTC"


def _tzdata(name: str) -> list[list[str]]:
    # The pinned tzdata package (requirements.txt) ships the database's tables.
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


@functools.cache
def listed_zones() -> frozenset[str]:
    """The zones offered: canonical Region/City names in REGIONS, and UTC."""
    available = zoneinfo.available_timezones()
    names = {row[2] for row in _tzdata("zone.tab")}
    return frozenset({UTC} | {n for n in names & available if n.split("/", 1)[0] in REGIONS})


@functools.cache
def _same_zone() -> dict[str, str]:
    """Every IANA name, to the listed zone it stands for (itself when listed or when no
    listed zone has the same rules)."""
    names_of: dict[str, list[str]] = {}  # zone -> its own name and the links to it
    for row in _tzdata("tzdata.zi"):
        if row[0] == "Z":
            names_of.setdefault(row[1], []).append(row[1])
        elif row[0] == "L":
            names_of.setdefault(row[1], []).append(row[2])
    listed, available = listed_zones(), zoneinfo.available_timezones()
    same: dict[str, str] = {}
    for zone, names in names_of.items():
        named = sorted(n for n in names if n in listed)
        stand_in = zone if zone in listed else (named[0] if named else None)
        for name in names:
            if name in available:
                same[name] = name if name in listed else (stand_in or name)
    return same


def zone_name(name: str) -> str | None:
    """The name to store for `name`: the listed zone it stands for, an unlisted IANA zone as
    itself, or None when it is no zone at all."""
    return _same_zone().get(name)


def _label(name: str) -> str:
    return name.split("/", 1)[1].replace("_", " ")


@functools.cache
def zone_choices() -> list:
    """UTC, then one group per region with its zones by name."""
    groups: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    for name in sorted(listed_zones() - {UTC}):
        groups[name.split("/", 1)[0]].append((name, _label(name)))
    return [(UTC, UTC), *((REGIONS[region], zones) for region, zones in groups.items())]


class TimeZoneSelect(forms.Select):
    """Shows the value's listed zone selected; an unlisted zone (kept from a browser or an
    older account) is added in a group of its own, so the form never silently changes it."""

    def optgroups(self, name, value, attrs=None):
        value = [zone_name(v) or v for v in value]
        groups = super().optgroups(name, value, attrs)
        others = [v for v in value if v and v not in listed_zones()]
        if others:
            index = len(groups)
            options = [
                self.create_option(name, v, v, True, index, subindex=i, attrs=attrs)
                for i, v in enumerate(others)
            ]
            groups.append((_("Other"), options, index))
        return groups


class TimeZoneField(forms.TypedChoiceField):
    """A time zone from the grouped list (any IANA name is accepted, see above); cleans to
    a ZoneInfo."""

    widget = TimeZoneSelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=zone_choices, coerce=zoneinfo.ZoneInfo, empty_value=None, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return zone_name(value) or value

    def valid_value(self, value):
        return zone_name(value) is not None
