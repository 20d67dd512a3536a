"""Small-cell suppression: which groups of a report are safe to publish.

Pure Python, no Django, so every floor of the house (evaluation's surveys, outcomes' impact
report) can use the same rule.
"""

from __future__ import annotations

from collections.abc import Hashable


def publishable_keys(*, sizes: dict[Hashable, int], min_group: int) -> set[Hashable]:
    """Keys of groups safe to publish: primary suppression of small groups, then complementary
    suppression until the withheld groups together are at least min_group people (or all)."""
    withheld = {key for key, size in sizes.items() if size < min_group}
    withheld_people = sum(sizes[key] for key in withheld)
    candidates = sorted((key for key in sizes if key not in withheld), key=lambda k: (sizes[k], k))
    while 0 < withheld_people < min_group and candidates:
        key = candidates.pop(0)
        withheld.add(key)
        withheld_people += sizes[key]
    return set(sizes) - withheld
