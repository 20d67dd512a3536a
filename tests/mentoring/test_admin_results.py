"""The admin's changelist rows (`mentoring/templatetags/admin_results.py`) are Django's own
`result_list` output, byte for byte: on every changelist of the site with the demo data, and on
lists made here to reach every kind of column (fields of each type, empty and missing values,
methods, properties, callables, booleans, links anywhere or nowhere, popups, filters)."""

import re
from pathlib import Path
from types import SimpleNamespace

import django.contrib.admin
import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import admin_list_filter, result_list
from django.template import TemplateDoesNotExist, engines
from django.template.loader import select_template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from accounts.models import User
from matching.models import Match
from mentoring.demo import DEMO_DOMAIN, seed_demo
from mentoring.templatetags import admin_results
from mentoring.templatetags.admin_results import lean_list_filter, lean_result_list
from tests.factories import UserFactory
from tests.sessions.helpers import make_pair

pytestmark = pytest.mark.django_db


def _rows(context) -> list[str]:
    """Each row's HTML, as `<tr>{% for item in result %}{{ item }}{% endfor %}</tr>` writes it."""
    return ["".join(str(cell) for cell in row) for row in context["results"]]


def _assert_same(cl):
    django, lean = result_list(cl), lean_result_list(cl)
    assert _rows(lean) == _rows(django)
    assert lean["result_headers"] == django["result_headers"]
    assert lean["num_sorted_fields"] == django["num_sorted_fields"]
    assert lean["result_hidden_fields"] == django["result_hidden_fields"]
    return _rows(lean)


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_every_changelist_of_the_site_writes_djangos_rows(client):
    seed_demo(participants=12, password="admin-results")
    superuser = User.objects.get(email=f"admin@{DEMO_DOMAIN}")  # has accepted the notice
    client.force_login(superuser)
    seen = pages = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(_request(superuser)):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for query in ("", "?o=-1", "?o=2.-1", "?_popup=1", _a_filter(model_admin)):
            response = client.get(url + query)
            assert response.status_code == 200, url + query
            cl = response.context["cl"]
            rows = _assert_same(cl)
            seen += bool(rows)
            if rows:  # the page shows the rows the tag made
                assert rows[0] in response.content.decode()
            pages += _assert_page_is_djangos(response)
    assert seen > 20  # most lists had rows to compare
    assert pages > 40  # and had Django's change list, filters and all, to compare with


_DJANGOS_CHANGE_LIST = (
    Path(django.contrib.admin.__file__).parent / "templates/admin/change_list.html"
).read_text()


_DJANGOS_RESULTS = (
    Path(django.contrib.admin.__file__).parent / "templates/admin/change_list_results.html"
).read_text()


def _assert_page_is_djangos(response) -> bool:
    """The page as Django's own admin/change_list.html renders it from the same context (when
    the list uses the site's change list and not an app's own)."""
    engine = engines["django"]
    ours = engine.get_template("admin/change_list.html")
    names = response.template_name
    used = select_template([names] if isinstance(names, str) else names)
    if used.origin.name != ours.origin.name:
        return False
    djangos = engine.from_string(_DJANGOS_CHANGE_LIST)
    context, request = response.context_data, response.wsgi_request
    assert _unmasked(ours.render(context, request)) == _unmasked(djangos.render(context, request))
    return True


def _unmasked(page: str) -> str:
    """The page with its CSRF tokens (masked differently at each rendering) taken out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", page)


def _a_filter(model_admin) -> str:
    """A query string choosing the first choice of the list's first simple field filter."""
    for spec in model_admin.list_filter:
        if isinstance(spec, str):
            return f"?{spec}__isnull=False" if "__" not in spec else ""
    return "?q=a"


def _request(user, query: str = ""):
    request = RequestFactory().get("/admin/x/" + query)
    request.user = user
    return request


def _shout(obj):
    return f"<{obj.status}>"


class _MatchAdmin(admin.ModelAdmin):
    """Every kind of column items_for_result distinguishes, on a match."""

    list_display = [
        "__str__",
        "id",
        "status",  # choices
        "origin",
        "score",  # float, None on some rows
        "explanation",  # JSON
        "started_at",  # datetime
        "ended_at",  # datetime, None
        "ended_by",  # foreign key, None
        "mentor",  # foreign key
        "program_id",  # a foreign key's column
        "end_reason",  # choices, blank
        "end_reason_text",  # blank text
        "shown",
        "ok",
        "missing",
        "when",
        _shout,
        lambda obj: obj.pk * 2,
        "get_status_display",  # a model method
    ]
    list_display_links = ["status", "ok"]

    @admin.display(empty_value="(none)")
    def shown(self, obj):
        return obj.end_reason_text or None

    @admin.display(boolean=True)
    def ok(self, obj):
        return {"active": True, "ended": False}.get(obj.status)

    def missing(self, obj):
        return "   "

    def when(self, obj):
        return obj.started_at.date()


class _HostileFilter(admin.SimpleListFilter):
    title = "<Status> & co"
    parameter_name = "hostile"

    def lookups(self, request, model_admin):
        return [("a&b", "<b>Ended</b> & gone"), ("2", 2), ("?x=1", 'Ünïcode "quoted"')]

    def queryset(self, request, queryset):
        return queryset


class _FilteredMatchAdmin(_MatchAdmin):
    list_filter = [
        "status",
        ("ended_at", admin.DateFieldListFilter),
        ("ended_by", admin.EmptyFieldListFilter),
        "mentor",
        _HostileFilter,
    ]


class _UserAdmin(admin.ModelAdmin):
    list_display = ["email", "is_active", "is_staff", "last_login", "date_joined", "display_name"]
    list_display_links = None


@pytest.fixture
def matches():
    first = make_pair()
    first.score, first.end_reason_text = 0.875, "<b>Moved & away</b>"
    first.status, first.ended_by, first.ended_at = "ended", first.mentor.user, timezone.now()
    first.save()
    second = make_pair(program=first.program)
    second.score = None
    second.save()
    return [first, second]


def _changelist(model_admin_class, model, user, query=""):
    site = admin.AdminSite(name="admin")
    model_admin = model_admin_class(model, site)
    request = _request(user, query)
    request.session = {}
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None  # as changelist_view sets it for a list without editable columns
    return cl


@pytest.mark.parametrize("query", ["", "?_popup=1&_to_field=id", "?status__exact=ended&o=3"])
@pytest.mark.parametrize("links", [["status", "ok"], [], None])
def test_every_kind_of_column_is_written_as_django_writes_it(superuser, matches, query, links):
    _MatchAdmin.list_display_links = links
    try:
        cl = _changelist(_MatchAdmin, Match, superuser, query)
        if links == []:  # the changelist makes it the first column; Django's tag allows []
            _assert_same(cl)
            cl.list_display_links = []
        rows = _assert_same(cl)
    finally:
        _MatchAdmin.list_display_links = ["status", "ok"]
    assert rows
    text = "".join(rows)
    assert "&lt;b&gt;Moved &amp; away&lt;/b&gt;" in text  # escaped as Django escapes it
    if not query:
        assert "(none)" in text and 'alt="True"' in text


def test_boolean_fields_no_links_and_another_language(superuser):
    UserFactory(is_active=False, display_name="Zoë <Ω>")
    for language in ("en", "ar", "es"):
        with override(language):
            cl = _changelist(_UserAdmin, User, superuser)
            rows = _assert_same(cl)
            assert any('alt="False"' in row for row in rows)


def test_editable_lists_are_left_to_django(monkeypatch):
    cl = SimpleNamespace(formset=object())
    monkeypatch.setattr(admin_results, "result_list", lambda given: {"given": given})
    assert lean_result_list(cl) == {"given": cl}


class _EditableMatchAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "score", "end_reason_text"]
    list_display_links = ["id"]
    list_editable = ["status", "end_reason_text"]


def test_an_editable_list_renders_through_djangos_template_with_its_forms(superuser, matches):
    """A list with editable columns has a form per row: the tag leaves it to Django's
    template and tag, which write the same page (forms, hidden ids, errors and all)."""
    site = admin.AdminSite(name="admin")
    model_admin = _EditableMatchAdmin(Match, site)
    request = _request(superuser)
    request.session = {}
    cl = model_admin.get_changelist_instance(request)
    formset_class = model_admin.get_changelist_formset(request)
    cl.formset = formset_class(queryset=cl.result_list)
    bound = formset_class(
        {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2"}, queryset=cl.result_list
    )
    engine = engines["django"]
    for formset in (cl.formset, bound):
        cl.formset = formset
        context = {"cl": cl, "opts": cl.opts}
        ours = engine.from_string("{% load admin_results %}{% lean_result_list cl %}")
        djangos = engine.from_string("{% load admin_list %}{% result_list cl %}")
        page = ours.render(context, request)
        assert page == djangos.render(context, request)
        assert page.count('name="form-') >= 6  # the rows' fields and hidden ids are there
    assert "errorlist" in page  # the bound forms' errors (a status is required) are shown


@pytest.mark.parametrize(
    "query",
    ["", "?hostile=a%26b&status__exact=ended", "?ended_at__isnull=True&mentor__id__exact=1"],
)
def test_every_kind_of_filter_is_written_as_djangos_template_writes_it(superuser, matches, query):
    matches[0].mentor.user.display_name = "Zoë <script>&"
    matches[0].mentor.user.save()
    for language in ("en", "ar"):
        with override(language):
            cl = _changelist(_FilteredMatchAdmin, Match, superuser, query)
            assert len(cl.filter_specs) == 5
            for spec in cl.filter_specs:
                written = lean_list_filter(cl, spec)
                assert written == admin_list_filter(cl, spec)
            assert "&lt;Status&gt; &amp; co" in written
            assert "&lt;b&gt;Ended&lt;/b&gt; &amp; gone" in written


def test_a_filter_with_a_template_of_its_own_renders_through_it(superuser, matches):
    class Own(_HostileFilter):
        template = "admin/own_filter.html"

    class OwnAdmin(_MatchAdmin):
        list_filter = [Own]

    cl = _changelist(OwnAdmin, Match, superuser)
    with pytest.raises(TemplateDoesNotExist, match=r"admin/own_filter\.html"):
        lean_list_filter(cl, cl.filter_specs[0])


def test_a_list_with_its_own_results_template_gets_each_cell_on_its_own(superuser, matches):
    own = "admin/matching/match/change_list_results.html"
    templates = [
        {
            **settings.TEMPLATES[0],
            "APP_DIRS": False,
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {own: "{{ results }}"}),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
    cl = _changelist(_MatchAdmin, Match, superuser)
    joined = lean_result_list(cl)["results"]
    assert {len(row) for row in joined} == {1}
    try:
        with override_settings(TEMPLATES=templates):
            admin_results._results_template_is_djangos.cache_clear()
            cells = lean_result_list(cl)["results"]
    finally:
        admin_results._results_template_is_djangos.cache_clear()
    assert {len(row) for row in cells} == {len(cl.list_display)}
    assert ["".join(row) for row in cells] == ["".join(row) for row in joined]


@pytest.mark.parametrize("query", ["", "?o=3", "?o=-3.1.-2", "?_popup=1&_to_field=id&o=2"])
def test_the_results_table_is_djangos_template_written_in_python(superuser, matches, query):
    """Headers (unsorted, sorted by one column, by several with their priorities), rows and
    the table around them: `_results_html` against Django's `change_list_results.html`
    rendered from the same context, in three languages."""
    djangos = engines["django"].from_string(_DJANGOS_RESULTS)
    for language in ("en", "ar", "es"):
        with override(language):
            cl = _changelist(_MatchAdmin, Match, superuser, query)
            context = lean_result_list(cl)
            written = admin_results._results_html(context)
            assert written == djangos.render(context)
            if "." in query:
                assert written.count('class="sortpriority"') == 3
    assert '<table id="result_list">' in written


def test_an_empty_results_table_is_djangos_too(superuser):
    djangos = engines["django"].from_string(_DJANGOS_RESULTS)
    context = lean_result_list(_changelist(_MatchAdmin, Match, superuser))
    assert context["results"] == []
    assert admin_results._results_html(context) == djangos.render(context) == "\n\n\n"
