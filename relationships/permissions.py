"""Access to agreements and certificates: only the people concerned; others get 404."""

from django.shortcuts import get_object_or_404

from matching.permissions import match_for_participant
from programs.models import Application, Role

__all__ = ["certificate_application_for_owner", "match_for_participant"]


def certificate_application_for_owner(*, user, pk) -> Application:
    """The user's own mentor application (a certificate is about it); anyone else's, or a
    mentee's, is 404."""
    return get_object_or_404(
        Application.objects.select_related("program", "user"), pk=pk, user=user, role=Role.MENTOR
    )
