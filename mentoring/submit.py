"""A submitted form handed to a service: the step every form-posting view repeats."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def form_errors_add(form, exc: ValidationError, *, field: str | None = None) -> None:
    """Put a service's refusal on `form`: messages for named fields on those fields where the
    form has them, the rest on `field` (the whole form when None)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(field, message)
        return
    for name, errors in exc.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else field, message)


def form_save(request, form, save, *, success: str, field: str | None = None) -> bool:
    """Validate `form`, then call `save(**form.cleaned_data)` (a service). True once saved,
    with `success` as the page's message; False, with the errors on the form, when the form
    or the service refused (nothing is saved then)."""
    if not form.is_valid():
        return False
    try:
        save(**form.cleaned_data)
    except ValidationError as exc:
        form_errors_add(form, exc, field=field)
        return False
    messages.success(request, success)
    return True
