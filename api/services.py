"""Personal access tokens: create, revoke, and find the token a request presents."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import AccessToken

SECRET_PREFIX = "mtk_"  # noqa: S105 - marks our tokens (secret scanners know it), not a secret
MAX_DAYS = 366
# last_used_at is written at most this often per token: a busy client must not turn every
# read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, scope: str, expires_at: datetime) -> tuple[AccessToken, str]:
    """Create a token for `user` and return it with its secret, which is stored only as a
    SHA-256 hash: the caller shows it once. Sends nothing."""
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    if expires_at > now + timedelta(days=MAX_DAYS):
        raise ValidationError(
            {"expires_at": _("A token can last at most %(days)s days.") % {"days": MAX_DAYS}}
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=secret[:10],
        token_hash=token_hash(secret),
        created_at=now,
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    return token, secret


def token_revoke(*, token: AccessToken) -> bool:
    """Revoke `token` now (it answers 401 from the next request on); False if it already was."""
    return bool(
        AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def token_authenticate(*, secret: str, now=None) -> AccessToken | None:
    """The usable token with this secret, its owner loaded, or None (unknown, revoked or
    expired, or its owner deactivated). Records the use, at most once a minute."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    now = now or timezone.now()
    token = AccessToken.objects.select_related("user").filter(token_hash=token_hash(secret)).first()
    if token is None or not token.is_usable(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
