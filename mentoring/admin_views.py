"""Admin views of the project's own, mounted in mentoring/urls.py ahead of the admin's."""

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ValidationError
from django.http import Http404


def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" redirect (/admin/r/<type>/<id>/), for objects this user may
    see in the admin.

    Django's own (contenttypes' `shortcut`) sends any staff user to any object's page, which
    reveals, for instance, another program's draft URL. Here the object must be in the
    queryset of its model's admin for this request, with view permission, or it is 404 (as
    the change form is); superusers are redirected as before.
    """
    if not request.user.is_superuser:
        _object_in_admin_or_404(request, content_type_id, object_id)
    return shortcut(request, content_type_id, object_id)


def _object_in_admin_or_404(request, content_type_id, object_id) -> None:
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except (ContentType.DoesNotExist, ValueError, ValidationError):
        raise Http404("No such object.") from None
    if model is None:
        raise Http404("No such object.")
    try:
        model_admin = admin.site.get_model_admin(model)
    except NotRegistered:
        raise Http404("No such object.") from None
    obj = model_admin.get_object(request, object_id)
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object.")
