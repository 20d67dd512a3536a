"""Helpers for tests of copying a program: a row's settings, and values that differ from the
defaults, derived from the model's fields so a field added later is covered without anyone
listing it here."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def field_values(obj: models.Model, *, skip=()) -> dict[str, object]:
    """Every concrete field of `obj` by name, but its primary key and `skip`."""
    return {
        f.name: f.value_from_object(obj)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.name not in skip
    }


def settings_fields(model: type[models.Model], *, skip) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


def non_default_values(model: type[models.Model], *, skip, overrides=None) -> dict[str, object]:
    """A valid value other than the default for every concrete field of `model` but `skip`;
    `overrides` gives the ones a field's type cannot tell (cross-field rules, own validators)."""
    overrides = overrides or {}
    return {
        f.name: overrides[f.name] if f.name in overrides else _non_default(model, f, index)
        for index, f in enumerate(settings_fields(model, skip=skip))
    }


def _bounds(field: models.Field) -> tuple[int, int]:
    lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    low = max(lows, default=0)
    return int(low), int(min(highs, default=low + 10))


def _non_default(model, field: models.Field, index: int):
    default = field.get_default()
    if field.choices:
        return next(value for value, _label in field.flatchoices if value != default)
    if isinstance(field, models.BooleanField):
        return not default
    if isinstance(field, models.IntegerField | models.FloatField):
        low, high = _bounds(field)
        candidates = [v for v in range(low + 1, high + 1) if v != default]
        return candidates[index % len(candidates)]
    if isinstance(field, models.CharField | models.TextField):
        return f"Not the default {field.name}"[: field.max_length]
    raise AssertionError(
        f"{model.__name__}.{field.name}: give a non-default value in the test's overrides."
    )
