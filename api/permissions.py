"""Who may use the API, and what a token may do. Objects outside a person's programs are 404
(the views' querysets are scoped); an object they may read but not change is 403."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.exceptions import NotFound, PermissionDenied

from api.models import AccessToken
from api.selectors import api_user_allowed, programs_readable, programs_writable
from programs.models import Program


class ProgramStaff(permissions.BasePermission):
    """Coordinators and reporting staff (and superusers); a read token only reads."""

    message = _("The API is for program coordinators and reporting staff.")

    def has_permission(self, request, view):
        if not api_user_allowed(user=request.user):
            return False
        token = request.auth
        writing = request.method not in permissions.SAFE_METHODS
        if isinstance(token, AccessToken) and writing and not token.can_write:
            raise PermissionDenied(_("This token can only read; create a write token."))
        return True


def program_for_write(*, user, pk):
    """A program the user coordinates; one they only report on is 403, any other 404."""
    try:
        return programs_writable(user=user).get(pk=pk)
    except (ValueError, TypeError, Program.DoesNotExist):
        pass
    if programs_readable(user=user).filter(pk=pk).exists():
        raise PermissionDenied(_("Only the program's coordinators can change it."))
    raise NotFound(_("No such program."))


def program_for_read(*, user, pk):
    try:
        return programs_readable(user=user).get(pk=pk)
    except (ValueError, TypeError, Program.DoesNotExist):
        raise NotFound(_("No such program.")) from None
