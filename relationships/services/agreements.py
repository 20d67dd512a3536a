"""Filling in and confirming a pair's mentorship agreement."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from matching.models import Match
from notifications.models import Kind
from notifications.services import notifications_cancel
from relationships.models import Agreement, AgreementAnswer, Frequency
from relationships.selectors import agreement_template_for

SHARED_FIELDS = ("meeting_frequency", "frequency_note", "channel", "planned_end_on")
#: Without a program end date, the planned end may be at most this long after the match start.
LONGEST_PLAN = timedelta(days=730)
SIDES = ("mentor", "mentee")


@dataclass(frozen=True)
class AgreementSaved:
    agreement: Agreement
    changed: list[str]  # field names ("field:<id>" for the template's own) this save changed
    partner_reset: bool  # the other side had confirmed; they must confirm again
    confirmed: bool  # the saving side's confirmation stands after this save


def agreement_side(*, match: Match, user) -> str:
    """ "mentor" or "mentee": which side of the match `user` is; anyone else is refused."""
    if user.pk == match.mentor.user_id:
        return "mentor"
    if user.pk == match.mentee.user_id:
        return "mentee"
    raise ValidationError(_("Only the two people in a match can fill in its agreement."))


def partner_of(side: str) -> str:
    return "mentee" if side == "mentor" else "mentor"


def agreement_new(*, match: Match) -> Agreement:
    """An unsaved agreement with the defaults: planned to end on the program's end date."""
    return Agreement(match=match, planned_end_on=match.program.ends_on)


def _snapshot(agreement: Agreement, answers: dict[int, str]) -> dict[str, object]:
    state = {name: getattr(agreement, name) for name in SHARED_FIELDS}
    state.update({f"{side}_hopes": getattr(agreement, f"{side}_hopes") for side in SIDES})
    state.update({f"field:{pk}": value for pk, value in answers.items()})
    return state


def _changes(before: dict, after: dict) -> list[str]:
    keys = [*after, *(key for key in before if key not in after)]
    return [key for key in keys if (before.get(key) or "") != (after.get(key) or "")]


def _plain(value) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _end_date_errors(match: Match, day: date | None) -> list[str]:
    if day is None:
        return []
    started = timezone.localdate(match.started_at)
    if day <= started:
        when = date_format(started, "j F Y")
        return [
            _("The planned end date must be after the match started (%(day)s).") % {"day": when}
        ]
    ends_on = match.program.ends_on
    if ends_on is not None and day > ends_on:
        when = date_format(ends_on, "j F Y")
        return [
            _("The planned end date can be the program's end date (%(day)s) at the latest.")
            % {"day": when}
        ]
    if ends_on is None and day > started + LONGEST_PLAN:
        return [_("Plan to end within two years of the match start.")]
    return []


def _completeness_errors(agreement, side, fields, answers) -> dict[str, list[str]]:
    """What a confirmation needs that is still missing, by form field."""
    errors: dict[str, list[str]] = {}
    if not agreement.meeting_frequency:
        errors["meeting_frequency"] = [_("Choose how often you will meet.")]
    elif agreement.meeting_frequency == Frequency.OTHER and not agreement.frequency_note:
        errors["frequency_note"] = [_("Say how often you will meet, in your words.")]
    if not agreement.channel:
        errors["channel"] = [_("Choose how you will keep in touch.")]
    if agreement.planned_end_on is None:
        errors["planned_end_on"] = [_("Give the date you plan to end.")]
    if not getattr(agreement, f"{side}_confidentiality"):
        errors["confidentiality"] = [_("Tick the box to agree to the confidentiality statement.")]
    if not getattr(agreement, f"{side}_hopes"):
        errors[f"{side}_hopes"] = [_("Write what you hope to get from mentoring.")]
    for field in fields.values():
        if field.required and not answers.get(field.pk):
            errors[f"field_{field.pk}"] = [_("Answer “%(label)s”.") % {"label": field.label}]
    return errors


def _apply(agreement, side, data, fields, answers) -> dict[str, list[str]]:
    """Put `data` on the agreement and `answers`; returns format errors by form field."""
    errors: dict[str, list[str]] = {}
    for name in SHARED_FIELDS:
        if name in data:
            value = data[name]
            setattr(agreement, name, value if name == "planned_end_on" else _plain(value))
    if agreement.meeting_frequency != Frequency.OTHER:
        agreement.frequency_note = ""
    if f"{side}_hopes" in data:
        setattr(agreement, f"{side}_hopes", _plain(data[f"{side}_hopes"]))
    if "confidentiality" in data:
        setattr(agreement, f"{side}_confidentiality", bool(data["confidentiality"]))
    for pk, value in (data.get("answers") or {}).items():
        field = fields.get(int(pk))
        if field is None:
            errors.setdefault("__all__", []).append(_("That question is not in this agreement."))
            continue
        text = _plain(value)
        if len(text) > field.max_length:
            errors[f"field_{field.pk}"] = [
                _("Keep it under %(count)s characters.") % {"count": field.max_length}
            ]
        answers[field.pk] = text
    if dates := _end_date_errors(agreement.match, agreement.planned_end_on):
        errors["planned_end_on"] = dates
    return errors


def _model_errors(agreement: Agreement) -> dict[str, list[str]]:
    try:
        # The confirmation constraints hold for the stored row, checked on save; the old
        # confirmations are not yet withdrawn here.
        agreement.full_clean(
            exclude=["match", "changed_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        return exc.message_dict
    return {}


@transaction.atomic
def agreement_save(*, match: Match, by, data: dict, confirm: bool = False) -> AgreementSaved:
    """Save what one side of a match filled in, and confirm it if `confirm`.

    `data` may hold the shared terms (SHARED_FIELDS), the saver's own "<side>_hopes",
    "confidentiality" (the saver agrees to the statement) and "answers" ({field id: text}
    for the template's fields). Refuses, changing nothing (ValidationError by field): a
    third person, an ended match, the partner's hopes, bad values, and a confirmation of an
    incomplete agreement. A change to the terms withdraws the partner's confirmation, so
    both always confirmed the same terms (each side's hopes are its own and do not); any
    change withdraws the saver's own unless they confirm now. Confirming cancels the
    saver's pending agreement reminders."""
    match = Match.objects.select_for_update().select_related("program").get(pk=match.pk)
    side = agreement_side(match=match, user=by)
    partner = partner_of(side)
    if not match.is_active:
        raise ValidationError(_("This match has ended; its agreement can no longer change."))
    if f"{partner}_hopes" in data:
        raise ValidationError(
            {
                f"{partner}_hopes": [
                    _("Only your %(partner)s writes what they hope for.")
                    % {"partner": _("mentor") if partner == "mentor" else _("mentee")}
                ]
            }
        )
    agreement = Agreement.objects.filter(match=match).first() or agreement_new(match=match)
    agreement.match = match
    template = agreement_template_for(program=match.program)
    fields = {field.pk: field for field in template.fields.all()} if template else {}
    stored = {a.field_id: a.value for a in agreement.answers.all()} if agreement.pk else {}
    answers = dict(stored)
    before = _snapshot(agreement, stored)
    errors = _apply(agreement, side, data, fields, answers)
    for name, messages in _model_errors(agreement).items():
        errors.setdefault(name, []).extend(messages)
    if confirm and not errors:
        errors = _completeness_errors(agreement, side, fields, answers)
    if errors:
        raise ValidationError(errors)
    changed = _changes(before, _snapshot(agreement, answers))
    return _store(agreement, side, partner, by, changed, confirm, answers, stored)


def _store(agreement, side, partner, by, changed, confirm, answers, stored) -> AgreementSaved:
    partner_reset = False
    own = f"{side}_confirmed_at"
    # Each side's hopes are its own words, not terms the other agrees to: writing them does
    # not send the other back to confirm. Every other change does.
    terms_changed = [key for key in changed if not key.endswith("_hopes")]
    if terms_changed:
        partner_reset = getattr(agreement, f"{partner}_confirmed_at") is not None
        setattr(agreement, f"{partner}_confirmed_at", None)
        agreement.changed_by = by
        agreement.changed_fields = terms_changed
    if changed and not confirm:
        setattr(agreement, own, None)
    if confirm and getattr(agreement, own) is None:
        setattr(agreement, own, timezone.now())
    if not getattr(agreement, f"{side}_confidentiality"):
        setattr(agreement, own, None)
    agreement.save()
    for pk, value in answers.items():
        if stored.get(pk) != value:
            AgreementAnswer.objects.update_or_create(
                agreement=agreement, field_id=pk, defaults={"value": value}
            )
    confirmed = getattr(agreement, own) is not None
    if confirmed:
        notifications_cancel(subject=agreement.match, kinds=[Kind.AGREEMENT_REMINDER], recipient=by)
    return AgreementSaved(
        agreement=agreement, changed=changed, partner_reset=partner_reset, confirmed=confirmed
    )
