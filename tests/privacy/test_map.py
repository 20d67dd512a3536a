"""The personal data map is complete and every declaration in it works.

Complete: every concrete model of our apps (and of allauth's `account` and Django's `admin`,
which hold people's addresses and admin history) is declared, as personal or not, and so is
every model of any installed app that links to the user model. Works: each declaration's
lookups resolve and its querysets run against the database, for a person with data
everywhere (tests/privacy/helpers.py).
"""

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from accounts.models import User
from mentoring.personal_data import Erase, declarations, is_declared, not_personal_models
from privacy.archive import _path, section_rows
from programs.models import Program
from tests.privacy.helpers import make_person_with_everything

# Our apps, plus the two of others that hold what people gave us (email addresses, admin
# history): every concrete model of these is declared, personal or not.
MAPPED_APPS = {
    "accounts",
    "audit",
    "notifications",
    "programs",
    "training",
    "matching",
    "mentoring_sessions",
    "relationships",
    "messaging",
    "outcomes",
    "evaluation",
    "privacy",
    "webhooks",
    "api",
    "mentoring",
    "account",
    "socialaccount",
    "mfa",
    "admin",
}
# Never in an archive: secrets that would let the archive's reader act as someone.
SECRET_FIELDS = {"password", "token", "token_hash", "claim_token", "idempotency_key", "key", "uid"}


def _is_user(model) -> bool:
    return model is not None and model._meta.label == settings.AUTH_USER_MODEL


def _user_links(model) -> list[str]:
    """The model's own fields that point at a user: foreign keys, one-to-ones, many-to-manys."""
    return [
        f.name
        for f in model._meta.get_fields()
        if f.is_relation
        and not f.auto_created
        and (f.many_to_one or f.one_to_one or f.many_to_many)
        and _is_user(f.related_model)
    ]


def _texts(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.TextField)]


def undeclared(candidates) -> list[str]:
    """Each model that must be in the map and is not, with why: it belongs to a mapped app,
    links to the user model, or holds free text in a mapped app. Proxies share their model's
    table and declaration; auto-created many-to-many tables belong to the model that declares
    the field (whose link to the user model is checked here)."""
    problems = []
    for model in candidates:
        meta = model._meta
        if meta.proxy or meta.abstract or meta.auto_created or is_declared(model):
            continue
        why = []
        if meta.app_label in MAPPED_APPS:
            why.append("a model of a mapped app")
        if links := _user_links(model):
            why.append(f"links to the user model ({', '.join(links)})")
        if meta.app_label in MAPPED_APPS and (texts := _texts(model)):
            why.append(f"holds free text ({', '.join(texts)})")
        if why:
            problems.append(f"{meta.label}: {'; '.join(why)}")
    return problems


def test_every_model_that_must_be_mapped_is_declared():
    assert undeclared(apps.get_models()) == []


def test_every_mapped_app_has_models_in_the_map():
    labels = {d.model._meta.app_label for d in declarations()}
    labels |= {n.model._meta.app_label for n in not_personal_models()}
    assert labels == MAPPED_APPS


def test_the_check_reports_a_new_model_holding_personal_data():
    with isolate_apps("privacy", "django_celery_beat"):

        class Diary(models.Model):  # noqa: DJ008
            author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
            text = models.TextField()

            class Meta:
                app_label = "privacy"

        class Label(models.Model):  # noqa: DJ008
            name = models.CharField(max_length=20)

            class Meta:
                app_label = "privacy"

        class Watcher(models.Model):  # noqa: DJ008
            people = models.ManyToManyField(User, related_name="+")

            class Meta:
                app_label = "django_celery_beat"

        class Schedule(models.Model):  # noqa: DJ008
            notes = models.TextField()

            class Meta:
                app_label = "django_celery_beat"

        found = undeclared([*apps.get_models(), Diary, Label, Watcher, Schedule])

    assert found == [
        "privacy.Diary: a model of a mapped app; links to the user model (author); "
        "holds free text (text)",
        "privacy.Label: a model of a mapped app",
        "django_celery_beat.Watcher: links to the user model (people)",
    ]


def test_a_model_is_declared_once_either_way():
    personal = [d.model for d in declarations()]
    not_personal = [n.model for n in not_personal_models()]
    assert len(personal) == len(set(personal))
    assert len(not_personal) == len(set(not_personal))
    assert set(personal).isdisjoint(not_personal)
    assert all(n.reason.strip() for n in not_personal_models())


# --- every declaration works ------------------------------------------------------------


@pytest.fixture
def everything(db):
    return make_person_with_everything()


def test_people_lookups_reach_the_user_model():
    for declaration in declarations():
        for lookup in declaration.people:
            if callable(lookup):
                continue
            last = _path(declaration.model, lookup)[-1]
            assert _is_user(last.related_model), f"{declaration.label}: {lookup}"


def test_people_lookups_and_exports_run_for_a_person_with_data_everywhere(everything):
    person = everything.person
    reached = set()
    for declaration in declarations():
        rows = set(declaration.rows_for(person).values_list("pk", flat=True))
        exported = set(declaration.export_queryset(person).values_list("pk", flat=True))
        # An archive only ever takes rows that reach the person.
        assert exported <= rows, declaration.label
        if declaration.export:
            assert len(section_rows(declaration, person)) == len(exported), declaration.label
        if rows:
            reached.add(declaration.label)
    # The builder touches most of the map, so the lookups ran on real rows.
    assert len(reached) >= 30, sorted(reached)


def test_exports_name_no_secrets():
    for declaration in declarations():
        for lookup in declaration.export:
            assert lookup.split("__")[-1] not in SECRET_FIELDS, f"{declaration.label}: {lookup}"


def test_program_lookups_lead_to_a_program_and_run(everything):
    for declaration in declarations():
        if declaration.program is None:
            continue
        last = _path(declaration.model, declaration.program)[-1]
        assert last.related_model is Program, declaration.label
        manager = declaration.model._default_manager
        list(manager.filter(**{declaration.program: everything.program}).values_list("pk"))


def test_blanked_fields_exist_and_take_their_blank_values(everything):
    person = everything.person
    for declaration in declarations():
        blanks = Erase.BLANK in (declaration.erase, declaration.retention)
        if not blanks:
            continue
        assert declaration.blank, f"{declaration.label} blanks nothing"
        for name in declaration.blank:
            field = declaration.model._meta.get_field(name)
            assert field.concrete and not field.is_relation, f"{declaration.label}: {name}"
        # The database takes the blank values (NOT NULL, JSON, lengths) on real rows.
        declaration.rows_for(person).update(**declaration.blank)
