"""Form fields shared by the apps."""

import functools

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices with one plain query. Django's iterator reads them through
    `QuerySet.iterator()`, which on PostgreSQL is a server-side cursor: three round trips
    (DECLARE, FETCH, CLOSE) for a list of a few dozen topics or stages. A choice list is
    shown whole, so streaming it saves nothing.

    A form may give the field `listed`, a callable returning the rows of its queryset (its
    SQL kept, mentoring/compiled.py, for a form shown on every visit): the choices are then
    read by it, and the queryset still checks a submitted value (`listed_choices`)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = getattr(self.field, "listed", None)
        for obj in self.queryset if listed is None else listed():
            yield self.choice(obj)


def listed_choices(field: forms.ModelChoiceField, reader, **values) -> None:
    """`field`'s choices are `reader(**values)`, a compiled query (its SQL kept), and its
    queryset, which checks a submitted value, is the same query as Django builds it."""
    field.queryset = reader.build(**values)
    field.listed = functools.partial(reader, **values)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices are read with one plain query."""

    iterator = ListedChoiceIterator


class ListedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A `ModelMultipleChoiceField` whose choices are read with one plain query."""

    iterator = ListedChoiceIterator
