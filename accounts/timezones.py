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
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
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


@functools.lru_cache(maxsize=8)
def _options_markup(language: str) -> tuple:
    """The options of `zone_choices` as HTML in `language`, each written twice, plain and
    selected: ((group label or None, ((value, plain, selected), ...)), ...)."""
    groups = []
    for first, second in zone_choices():
        group, options = (None, [(first, second)]) if isinstance(second, str) else (first, second)
        groups.append(
            (
                None if group is None else str(group),
                tuple(
                    (
                        value,
                        format_html('\n  <option value="{}">{}</option>', value, label),
                        format_html('\n  <option value="{}" selected>{}</option>', value, label),
                    )
                    for value, label in options
                ),
            )
        )
    return tuple(groups)


class TimeZoneSelect(forms.Select):
    """Shows the value's listed zone selected; an unlisted zone (kept from a browser or an
    older account) is added in a group of its own, so the form never silently changes it.

    Written here rather than by Django's templates, from markup made once per language: a
    template per option (about 350 of them) was most of the profile page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {zone_name(v) or v for v in self.format_value(value)}
        parts = [
            format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        ]
        for group, options in _options_markup(get_language()):
            if group is not None:
                parts.append(format_html('\n  <optgroup label="{}">', group))
            parts.extend(
                selected if value in chosen else plain for value, plain, selected in options
            )
            if group is not None:
                parts.append("\n  </optgroup>")
        others = sorted(v for v in chosen if v and v not in listed_zones())
        if others:
            parts.append(format_html('\n  <optgroup label="{}">', _("Other")))
            parts.extend(
                format_html('\n  <option value="{}" selected>{}</option>', v, v) for v in others
            )
            parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


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
