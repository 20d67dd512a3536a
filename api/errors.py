"""One error body for every refusal of the API:

    {"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}

`fields` is there for validation errors (400) only.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(*, code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flat(detail):
    """DRF's nested ErrorDetail lists and dicts as plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _flat(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flat(item) for item in detail]
    return str(detail)


def _validation_body(detail) -> dict:
    if isinstance(detail, dict):
        fields = _flat(detail)
        general = fields.pop("non_field_errors", None) or fields.pop("__all__", None)
        message = " ".join(general) if general else _("Some fields are not valid.")
        return error_body(code="invalid", message=message, fields=fields or None)
    messages = _flat(detail if isinstance(detail, list) else [detail])
    return error_body(code="invalid", message=" ".join(map(str, messages)))


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            _("The request body is larger than %(mb)s MB; send smaller batches.")
            % {"mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
        )
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc.detail)
        return response
    if isinstance(exc, exceptions.ParseError):
        code = "malformed_json"
    else:
        code = CODES.get(response.status_code, "error")
    message = _flat(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(message, list | dict):
        message = str(message)
    response.data = error_body(code=code, message=message)
    return response


def error_response(*, status_code: int, code: str, message: str, fields=None) -> Response:
    return Response(error_body(code=code, message=message, fields=fields), status=status_code)


def not_found(request, exception=None, **kwargs):
    """Any address under /api/v1/ that names no endpoint."""
    return JsonResponse(error_body(code="not_found", message=_("No such endpoint.")), status=404)
