"""Sections higher apps add to the session log form, so sessions never imports them.

A section (relationships adds the pair's goals, from its AppConfig.ready) is a
`LogSection` of three functions:

- `fields(*, meeting, user, log)` -> {field name: (form field, initial value)}: the fields
  the log form shows for `user`'s log of `meeting` (`log` is their saved log or None). Names
  are the section's own (prefix them); the form keeps their order.
- `save(*, log, values)`: called in the transaction that saves the log, with the cleaned
  values of the section's fields ({name: value}), to store them.
- `lines(*, logs)` -> {log id: [(label, value)]}: what the meeting page shows of each log.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LogSection:
    key: str
    fields: Callable[..., dict]
    save: Callable[..., None]
    lines: Callable[..., dict]


_sections: dict[str, LogSection] = {}


def log_section_register(section: LogSection) -> LogSection:
    """Add `section` to every session log form (again under the same key replaces it)."""
    _sections[section.key] = section
    return section


def log_sections() -> list[LogSection]:
    """The registered sections, in registration order."""
    return list(_sections.values())


def log_section_lines(*, logs) -> dict[int, list[tuple[str, str]]]:
    """log id -> the (label, value) lines every section shows for it."""
    lines: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for section in log_sections():
        for log_id, rows in section.lines(logs=logs).items():
            lines[log_id].extend(rows)
    return lines
