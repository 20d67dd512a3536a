"""`{% field_markup %}` (templates/bootstrap5/field.html) gives the markup of crispy-bootstrap5's
own field template, element for element, for every kind of field the site's forms use, with and
without errors; what it leaves to crispy's template is rendered by that template."""

import datetime

import pytest
from django import forms
from django.template import Context, engines
from django.test.html import parse_html
from django.utils import translation

from mentoring.templatetags import field_markup

HOSTILE = '<b>"bold"</b> & co'


class EveryKind(forms.Form):
    name = forms.CharField(label=HOSTILE, help_text="Say <em>who</em> you are.")
    email = forms.EmailField(required=False)
    minutes = forms.IntegerField(min_value=15, initial=60)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    topic = forms.ChoiceField(choices=[("a", "Alpha"), ("b", HOSTILE)])
    stage = forms.ChoiceField(
        choices=[("", "---"), ("Study", [("y1", "Year 1"), ("y2", "Year 2")])], required=False
    )
    languages = forms.MultipleChoiceField(choices=[("en", "English"), ("es", "Spanish")])
    agree = forms.BooleanField(label="I agree", help_text="Required to go on.")
    optional_flag = forms.BooleanField(required=False)
    outcome = forms.ChoiceField(
        widget=forms.RadioSelect, choices=[("held", "Held"), ("missed", HOSTILE)]
    )
    skills = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[("Soft", [("listen", "Listening"), ("talk", "Talking")]), ("code", "Code")],
        help_text="Pick <b>any</b>.",
    )
    rating = forms.TypedChoiceField(
        widget=forms.RadioSelect, choices=[(1, 1000), (2, 2.5)], coerce=int, required=False
    )
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    styled = forms.CharField(
        widget=forms.TextInput(attrs={"class": "text-uppercase"}), required=False, label=""
    )
    file = forms.FileField(required=False)


class Styled(EveryKind):
    required_css_class = "required"
    error_css_class = "has-error"


BAD = {"name": "", "minutes": "5", "topic": "<i>zzz</i>", "languages": ["xx"], "outcome": "nope"}
GOOD = {
    "name": "Ada",
    "minutes": "45",
    "topic": "b",
    "stage": "y2",
    "languages": ["en", "es"],
    "agree": "on",
    "outcome": "missed",
    "skills": ["listen", "code"],
    "rating": "2",
    "notes": "Line one\n<two>",
}


def _original_template():
    engine = engines["django"].engine
    ours = engine.get_template(field_markup.TEMPLATE)
    theirs, _origin = engine.find_template(field_markup.TEMPLATE, skip=[ours.origin])
    return ours, theirs


def _context(field, **extra):
    return Context(
        {
            "field": field,
            "form_show_errors": True,
            "form_show_labels": True,
            "label_class": "",
            "field_class": "",
            **extra,
        }
    )


def _forms():
    return [
        EveryKind(),
        EveryKind(BAD),
        EveryKind(GOOD),
        Styled(BAD),
        EveryKind(initial={"day": datetime.date(2026, 12, 5)}, auto_id=False),
        EveryKind(BAD, prefix="p"),
    ]


CONTEXTS = [
    {},
    {"form_show_labels": False},
    {"form_show_errors": False},
    {"field_class": "col-8"},
    {"wrapper_class": "w-50"},
]


@pytest.mark.parametrize("extra", CONTEXTS)
def test_every_field_is_the_markup_of_crispys_template(extra):
    ours, theirs = _original_template()
    checked = 0
    for form in _forms():
        for field in form:
            expected = theirs.render(_context(field, **extra))
            assert parse_html(ours.render(_context(field, **extra))) == parse_html(expected), (
                field.name,
                expected,
            )
            checked += 1
    assert checked == 6 * len(EveryKind.base_fields)


def test_whole_forms_render_the_same_through_crispy_filters():
    page = engines["django"].from_string(
        "{% load crispy_forms_tags %}{{ form|crispy }}{{ form.outcome|as_crispy_field }}"
    )
    for form in _forms():
        fast = page.render({"form": form})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(field_markup, "_left_to_crispy", lambda context, field: True)
            slow = page.render({"form": form})
        assert parse_html(fast) == parse_html(slow)


def test_errors_and_labels_are_escaped_and_help_text_is_markup():
    form = EveryKind(BAD)
    html = (
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
        .render({"form": form})
    )

    assert "&lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co" in html and HOSTILE not in html
    assert "&lt;i&gt;zzz&lt;/i&gt; is not one of the available choices" in html
    assert "Say <em>who</em> you are." in html
    assert '<p id="error_1_id_name"><strong>This field is required.</strong></p>' in html
    assert 'class="form-check-input is-invalid" name="outcome"' in html


def test_numbers_in_choices_are_not_localized_and_labels_are_the_languages():
    ours, theirs = _original_template()
    with translation.override("es"):
        field = EveryKind(GOOD)["rating"]
        html = ours.render(_context(field))
        assert parse_html(html) == parse_html(theirs.render(_context(field)))
    assert ">1000</label>" in html.replace("\n", "").replace(" ", "")


def test_what_a_helper_or_a_layout_sets_is_left_to_crispys_template(monkeypatch):
    ours, theirs = _original_template()
    calls = []
    monkeypatch.setattr(field_markup, "field_html", lambda *a, **k: calls.append(a) or "")
    form = EveryKind(BAD)

    for extra in ({"tag": "td"}, {"label_class": "col-4"}, {"form_class": "form-horizontal"},
                  {"inline_class": "inline"}, {"help_text_inline": True}):  # fmt: skip
        html = ours.render(_context(form["outcome"], **extra))
        assert parse_html(html) == parse_html(theirs.render(_context(form["outcome"], **extra)))
    html = ours.render(_context(form["file"]))

    assert 'type="file"' in html
    assert calls == []
