"""The form renderer writes inputs, text areas and selects character for character as Django's
own widget templates do, and leaves every widget whose template the project overrides (or that
it does not know) to its template."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from mentoring.form_renderer import FormRenderer

HOSTILE = '"><script>alert(1)</script>&amp;'

WIDGETS = [
    (forms.TextInput(), "Ada"),
    (forms.TextInput(attrs={"class": "wide", "placeholder": HOSTILE, "maxlength": 20}), HOSTILE),
    (forms.TextInput(attrs={"required": True, "disabled": False, "data-x": ("a", 1)}), None),
    (forms.TextInput(), mark_safe("<b>kept</b>")),
    (forms.NumberInput(attrs={"min": 0, "step": Decimal("0.5")}), 12),
    (forms.NumberInput(), Decimal("2.5")),
    (forms.EmailInput(), "ada@example.org"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.PasswordInput(), "secret"),  # not rendered back: render_value is off
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.HiddenInput(), 7),
    (forms.DateInput(), datetime.date(2026, 12, 5)),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), datetime.date(2026, 1, 31)),
    (forms.TimeInput(), datetime.time(9, 30)),
    (forms.DateTimeInput(), datetime.datetime(2026, 12, 5, 9, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.CheckboxInput(attrs={"class": "form-check-input"}), "on"),
    (forms.Textarea(), "First line\nsecond <line> & more"),
    (forms.Textarea(attrs={"rows": 3}), ""),
    (forms.Textarea(), None),
    (forms.Select(choices=[("a", "Alpha"), ("b", HOSTILE)]), "b"),
    (forms.Select(choices=[(1, 1000), (2, 2.5), ("", "---------")]), 2),
    (forms.Select(choices=[("Europe", [("paris", "Paris"), ("rome", "Rome")]), ("x", "X")]), "x"),
    (forms.SelectMultiple(choices=[(1, "One"), (2, "Two"), (3, "Three")]), [1, 3]),
    (forms.NullBooleanSelect(), None),
    (forms.Select(choices=[]), None),
]


def _both(widget, value, attrs=None):
    attrs = {"id": "id_field", **(attrs or {})}
    ours = widget.render("field", value, attrs=attrs, renderer=FormRenderer())
    theirs = widget.render("field", value, attrs=attrs, renderer=TemplatesSetting())
    return ours, theirs


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda x: type(x).__name__)
def test_each_widget_is_written_as_its_template_writes_it(widget, value):
    ours, theirs = _both(widget, value)

    assert ours == theirs


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_numbers_in_option_labels_follow_the_language_as_the_template_does(language):
    widget = forms.Select(choices=[(1, 1000), (2, 2.5), (3, Decimal("1234.5"))])
    with translation.override(language), override_settings(USE_THOUSAND_SEPARATOR=True):
        ours, theirs = _both(widget, 3)

    assert ours == theirs
    if language == "es":
        assert ">2,5</option>" in ours


def test_a_moment_in_an_option_is_shown_in_the_current_time_zone_as_the_template_does():
    moment = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=datetime.UTC)
    with timezone.override("Asia/Tokyo"):
        ours, theirs = _both(forms.Select(choices=[(1, moment)]), 1)

    assert ours == theirs and "6 Dec 2026, 8:30" in ours


def test_the_known_widgets_are_written_without_their_templates():
    written = FormRenderer()._writers

    assert {widget.template_name for widget, _value in WIDGETS} <= set(written)
    assert forms.RadioSelect.template_name not in written
    assert forms.SplitDateTimeWidget.template_name not in written


def test_other_widgets_still_render_through_their_templates():
    widget = forms.RadioSelect(choices=[("a", "A"), ("b", "B")])
    ours, theirs = _both(widget, "a")
    assert ours == theirs and 'type="radio"' in ours

    split = forms.SplitDateTimeWidget()
    ours, theirs = _both(split, datetime.datetime(2026, 12, 5, 9, 30))
    assert ours == theirs


def _templates_overriding(folder, name: str, source: str):
    """Settings whose templates/ has `source` as Django's widget template `name`."""
    from django.conf import settings

    widgets = folder / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / name).write_text(source)
    engine = {**settings.TEMPLATES[0], "DIRS": [str(folder), *settings.TEMPLATES[0]["DIRS"]]}
    return override_settings(TEMPLATES=[engine])


def test_a_widget_template_the_project_overrides_is_followed(tmp_path):
    source = '<input class="ours" name="{{ widget.name }}">'
    with _templates_overriding(tmp_path, "text.html", source):
        html = forms.TextInput().render("field", "x", renderer=FormRenderer())
        email = forms.EmailInput().render("field", "x", renderer=FormRenderer())

    assert html == '<input class="ours" name="field">'
    assert email.startswith('<input type="email" name="field" value="x">')


def test_an_overridden_attribute_template_leaves_every_widget_to_the_templates(tmp_path):
    with _templates_overriding(tmp_path, "attrs.html", ' data-ours="1"'):
        text = forms.TextInput().render("field", "x", renderer=FormRenderer())
        select = forms.Select(choices=[("a", "A")]).render("field", "a", renderer=FormRenderer())

    assert text == '<input type="text" name="field" value="x" data-ours="1">'
    assert '<option value="a" data-ours="1">A</option>' in select


def test_the_site_renders_its_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)
