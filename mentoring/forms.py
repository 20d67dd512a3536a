"""Form fields shared by the apps."""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices with one plain query. Django's iterator reads them through
    `QuerySet.iterator()`, which on PostgreSQL is a server-side cursor: three round trips
    (DECLARE, FETCH, CLOSE) for a list of a few dozen topics or stages. A choice list is
    shown whole, so streaming it saves nothing."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices are read with one plain query."""

    iterator = ListedChoiceIterator


class ListedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A `ModelMultipleChoiceField` whose choices are read with one plain query."""

    iterator = ListedChoiceIterator
