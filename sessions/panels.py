"""The sessions panel on the match page (`matching.panels`): the pair's next and last sessions
(booking and the full list are linked beside it, in the page's own contact card)."""

from matching.models import Match
from sessions.selectors import meetings_of_match

SHOWN = 3  # sessions of each kind on the match page; the sessions page lists them all


def sessions_panel(*, match: Match, user, request):
    upcoming, past = meetings_of_match(match=match, limit=SHOWN)
    return "sessions/_match_sessions_panel.html", {"upcoming": upcoming, "past": past}
