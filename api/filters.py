"""The filters every list takes: ?program=<id>&since=<date>&until=<date>."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from api.permissions import program_for_read


class ListFilterSerializer(serializers.Serializer):
    program = serializers.IntegerField(required=False, min_value=1)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": [_("Must not be before since.")]})
        return attrs


def _bound(day: dt.date, *, is_datetime: bool):
    if not is_datetime:
        return day
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), dt.UTC)


def list_filter(queryset, *, request, program_path: str, date_field: str, is_datetime: bool):
    """`queryset` narrowed by the query string; a program outside the person's scope is 404,
    a malformed value 400."""
    params = ListFilterSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    if "program" in data:
        program = program_for_read(user=request.user, pk=data["program"])
        queryset = queryset.filter(**{program_path: program})
    if "since" in data:
        bound = _bound(data["since"], is_datetime=is_datetime)
        queryset = queryset.filter(**{f"{date_field}__gte": bound})
    if "until" in data:
        bound = _bound(data["until"] + dt.timedelta(days=1), is_datetime=is_datetime)
        queryset = queryset.filter(**{f"{date_field}__lt": bound})
    return queryset


def list_parameters(date_field: str) -> list[OpenApiParameter]:
    """The filters in the schema; `date_field` is what since and until compare."""
    return [
        OpenApiParameter("program", OpenApiTypes.INT, description=_("Only this program.")),
        OpenApiParameter(
            "since",
            OpenApiTypes.DATE,
            description=_("Only rows whose %(field)s is on or after this day (UTC).")
            % {"field": date_field},
        ),
        OpenApiParameter(
            "until",
            OpenApiTypes.DATE,
            description=_("Only rows whose %(field)s is on or before this day (UTC).")
            % {"field": date_field},
        ),
    ]
