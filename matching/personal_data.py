from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matching.models import (
    EndRequest,
    Exclusion,
    ExclusionRequest,
    Match,
    MatchingConfig,
    MatchingRun,
    MatchRequest,
    ProposedPair,
    UnmatchedEntry,
    WaitlistOffer,
)
from mentoring.personal_data import (
    DELETED_NAME,
    Erase,
    identifying_strings,
    not_personal,
    register,
)

not_personal(MatchingConfig, reason="matching weights and rules of a program")
not_personal(
    MatchingRun,
    reason="a run's settings, progress and counts; the pairs and unmatched people are declared "
    "on their own models",
)

BOTH_SIDES = ["mentor__user", "mentee__user"]


def _matches_erase(user) -> int:
    """Matches stay in the partner's history, the erased side becoming "Deleted user"; the
    words typed about why it ended (by either side or a coordinator, about the person) go,
    the reason's code stays for the program's counts."""
    return (
        Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user))
        .exclude(end_reason_text="")
        .update(end_reason_text="")
    )


# The reason typed for an early end is for the coordinators only (it may be the partner's
# words): not in either side's archive; the person's own request is, on EndRequest.
register(
    Match,
    people=BOTH_SIDES,
    export=[
        "program__name",
        "mentor__user__display_name",
        "mentee__user__display_name",
        "status",
        "origin",
        "started_at",
        "ended_at",
        "end_reason",
    ],
    erase=_matches_erase,
    program="program",
    retention=Erase.BLANK,
    # The explanation repeats what the applications said ("Both speak Hungarian"), which
    # retention blanks there.
    blank={"end_reason_text": "", "explanation": []},
    section=_("Matches"),
)

# Runs' pairs, unmatched people and waitlist proposals are the coordinators' working material,
# not shown to participants, so not in their archive. They hold only links to applications
# (which stay, naming "Deleted user" or a pseudonym), and a run's figures (pairs, match rate,
# reasons) are counted from them: they stay, so published figures do not move.
register(
    ProposedPair,
    people=BOTH_SIDES,
    export=[],
    erase=Erase.KEEP,
    program="run__program",
    retention=Erase.KEEP,
    section=_("Proposed pairs in matching drafts"),
)

register(
    UnmatchedEntry,
    people=["application__user"],
    export=["run__program__name", "reason"],
    erase=Erase.KEEP,
    program="run__program",
    retention=Erase.KEEP,
    section=_("Matching rounds that left you unmatched"),
)

# The coordinator's note on a proposal may name the person.
register(
    WaitlistOffer,
    people=BOTH_SIDES,
    export=[],
    erase=Erase.BLANK,
    blank={"note": ""},
    program="program",
    retention=Erase.BLANK,
    section=_("Waitlist proposals"),
)


def _own_exclusions(user):
    # What the person asked for; a coordinator's exclusion, or one someone else asked for
    # about them, is never revealed.
    return Exclusion.objects.filter(person=user, source=Exclusion.Source.PARTICIPANT)


register(
    Exclusion,
    people=["person", "other"],
    export=["program__name", "other__display_name", "created_at"],
    export_rows=_own_exclusions,
    erase=Erase.DELETE,
    program="program",
    retention=Erase.DELETE,
    section=_("People you asked not to be matched with"),
)


def _exclusion_requests_erase(user) -> int:
    """The person's own requests go; other people's requests that named them (by email or
    name) stop naming anyone: they only ever excluded this account."""
    deleted, _ = ExclusionRequest.objects.filter(person=user).delete()
    named = Q(pk__in=Exclusion.objects.filter(other=user).values("request_id"))
    for text in identifying_strings(user):
        named |= Q(key=" ".join(text.split()).lower())
    changed = 0
    for request in ExclusionRequest.objects.filter(named):
        request.named = DELETED_NAME
        request.key = f"deleted-user:{request.pk}"
        request.save(update_fields=["named", "key"])
        changed += 1
    return deleted + changed


register(
    ExclusionRequest,
    people=["person"],
    export=["program__name", "named", "created_at"],
    erase=_exclusion_requests_erase,
    program="program",
    retention=Erase.DELETE,
    section=_("Your requests not to be matched with someone"),
)


def _match_requests_erase(user) -> int:
    """Each side's own words go (the mentee's message, the mentor's response); the request
    stays in the other side's history."""
    wrote = MatchRequest.objects.filter(mentee__user=user).update(message="")
    answered = MatchRequest.objects.filter(mentor__user=user).update(response="")
    return wrote + answered


register(
    MatchRequest,
    people=BOTH_SIDES,
    export=[
        "program__name",
        "mentor__user__display_name",
        "mentee__user__display_name",
        "message",
        "status",
        "response",
        "created_at",
        "responded_at",
        "reminded_at",
    ],
    erase=_match_requests_erase,
    program="program",
    retention=Erase.BLANK,
    blank={"message": "", "response": ""},
    section=_("Mentoring requests"),
)

register(
    EndRequest,
    people=["requested_by"],
    export=[
        "match__program__name",
        "reason",
        "end_reason",
        "end_reason_text",
        "status",
        "created_at",
    ],
    erase=Erase.BLANK,
    blank={"reason": "", "end_reason_text": ""},
    program="match__program",
    retention=Erase.BLANK,
    section=_("Requests to end a match"),
)
