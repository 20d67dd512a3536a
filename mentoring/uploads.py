"""Reading the header of a table someone uploaded (the roster, outcome records): header cells
are compared whatever their case, spacing, underscores or hyphens, and the delimiter is
whichever of comma, semicolon or tab the header line uses most."""

import re

DELIMITERS = (",", ";", "\t")


def header_key(cell: str) -> str:
    """A header cell as the alias tables spell it: lower case, words split by one space."""
    return re.sub(r"[\s_\-]+", " ", cell.replace("\ufeff", "").lower()).strip()


def delimiter_of(header_line: str) -> str:
    """The delimiter the header line uses most; a comma when it uses none."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
