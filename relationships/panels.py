"""The relationships panels on the match page (`matching.panels`): the agreement, the
pair's goals, and the mentor's certificate."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from relationships.models import Agreement, default_confidentiality
from relationships.selectors import (
    agreement_answers,
    agreement_for_match,
    agreement_template_for,
    certificate_status,
    goals_for_match,
)
from relationships.services import agreement_new, agreement_side
from relationships.services.agreements import partner_of


def changed_labels(*, agreement: Agreement, fields) -> list[str]:
    """What the last edit changed, as the labels people see."""
    by_pk = {field.pk: field.label for field in fields}
    labels = []
    for key in agreement.changed_fields:
        if key.startswith("field:"):
            label = by_pk.get(int(key.removeprefix("field:")))
        else:
            label = Agreement._meta.get_field(key).verbose_name
        if label and str(label) not in labels:
            labels.append(str(label))
    return labels


def agreement_context(*, match: Match, user) -> dict:
    """Everything the agreement panel and page show for one side of the match."""
    side = agreement_side(match=match, user=user)
    partner = partner_of(side)
    template = agreement_template_for(program=match.program)
    fields = list(template.fields.all()) if template else []
    agreement = agreement_for_match(match=match) or agreement_new(match=match)
    answers = agreement_answers(match=match)
    mine = getattr(agreement, f"{side}_confirmed_at")
    changed_by_partner = (
        agreement.changed_by_id is not None and agreement.changed_by_id != user.pk and mine is None
    )
    due_on = timezone.localdate(match.started_at) + timedelta(days=match.program.agreement_due_days)
    return {
        "match": match,
        "agreement": agreement,
        "side": side,
        "template": template,
        "statement": template.confidentiality_statement if template else default_confidentiality(),
        "answers": [(field, answers.get(field.pk, "")) for field in fields],
        "answer_values": answers,
        "fields": fields,
        "my_hopes": getattr(agreement, f"{side}_hopes"),
        "partner_hopes": getattr(agreement, f"{partner}_hopes"),
        "my_confirmed_at": mine,
        "partner_confirmed_at": getattr(agreement, f"{partner}_confirmed_at"),
        "changes": changed_labels(agreement=agreement, fields=fields) if changed_by_partner else [],
        "can_edit": match.is_active,
        "due_on": due_on,
        "overdue": match.is_active and not agreement.is_confirmed and timezone.localdate() > due_on,
    }


def agreement_panel(*, match: Match, user, request):
    return "relationships/_agreement_panel.html", agreement_context(match=match, user=user)


def goals_context(*, match: Match, user) -> dict:
    """The pair's goals with milestones and progress, for the panel and the goals page."""
    return {
        "match": match,
        "goals": goals_for_match(match=match),
        "is_mentee": user.pk == match.mentee.user_id,
        "can_edit": match.is_active,
        "today": timezone.localdate(),
    }


def goals_panel(*, match: Match, user, request):
    return "relationships/_goals_panel.html", goals_context(match=match, user=user)


def certificate_panel(*, match: Match, user, request):
    """The mentor's certificate: the download link once eligible, else what it still needs.
    Nothing for mentees or when the program gives no certificates."""
    if user.pk != match.mentor.user_id or not match.program.certificates_enabled:
        return None
    match.mentor.program = match.program  # the program already loaded, not a query again
    status = certificate_status(application=match.mentor)
    url = reverse("relationships:certificate", args=[match.mentor_id])
    return "relationships/_certificate_panel.html", {"status": status, "url": url}
