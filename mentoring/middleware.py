import contextlib
import gettext
import weakref
import zoneinfo

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import trans_real

from mentoring.text import nfc


class UserTimezoneMiddleware:
    """Show every time in the viewer's time zone: the profile's, else the browser's cookie."""

    COOKIE = "tz"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = self._zone_for(request)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def _zone_for(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            return user.time_zone
        name = request.COOKIES.get(self.COOKIE, "")
        if name and len(name) < 64:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                return None
        return None


def language_supported(code) -> str | None:
    """`code` as one of settings.LANGUAGES ("es-MX" gives "es"), or None for anything else."""
    if not code or not isinstance(code, str) or len(code) > 20:
        return None
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


class UserLanguageMiddleware:
    """The language of the page: `?lang=<code>` in the address (remembered in the language
    cookie), else the signed-in person's own choice, else what LocaleMiddleware found (the
    cookie, then the browser's Accept-Language, then LANGUAGE_CODE). An unknown code anywhere
    is ignored, so the next source decides."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        asked = language_supported(request.GET.get("lang"))
        # Taken from the query string here (a view that reads all of it, as the admin's lists
        # do for their filters, does not see it); what it asked for stays on the request.
        request.language_in_address = asked
        if "lang" in request.GET:
            request.GET = request.GET.copy()
            del request.GET["lang"]
            request.GET._mutable = False
        code = asked
        if code is None:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language:
                code = language_supported(user.language)
        if code and code != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(code)
            request.LANGUAGE_CODE = translation.get_language()
        fallbacks_trim(trans_real.translation(translation.get_language()))
        response = self.get_response(request)
        if asked:
            language_cookie_set(response, asked)
        return response


_trimmed = weakref.WeakSet()


def fallbacks_trim(catalogue) -> None:
    """Drop the fallbacks of a language's catalogue that translate nothing, once per catalogue.

    Django builds British English from every installed app's `en_GB` and `en` catalogues;
    each empty `en` one is kept as a fallback, so an untranslated message (most of them, in
    English) walked seven empty catalogues, a tenth of an admin list's time. Spanish and
    Arabic fall back to English and share the trimmed chain. Only catalogues holding nothing
    but their header are dropped, so every message translates as before."""
    if catalogue in _trimmed:
        return
    node = catalogue
    while node._fallback is not None:
        following = node._fallback
        if type(following) is gettext.GNUTranslations and set(following._catalog) <= {""}:
            node._fallback = following._fallback
        else:
            node = following
    _trimmed.add(catalogue)


def language_cookie_set(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.SESSION_COOKIE_SECURE,
    )


class NormalizeInputMiddleware:
    """NFC-normalise every query-string and form value (and key) before any view sees it, so
    text is stored and searched in one form whichever way it was typed (mentoring/text.py).

    Passwords are left exactly as typed: one set before this existed must still match its
    hash. Bodies other than forms are not read here (the app takes no JSON); a multipart
    body is parsed here instead of in the CSRF check, as it would be anyway.
    """

    FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _normalized(request.GET)
        if request.method == "POST" and request.content_type in self.FORMS:
            # OSError: the client went away mid-upload; the CSRF check handles it as before.
            with contextlib.suppress(OSError):
                request.POST = _normalized(request.POST)
        return self.get_response(request)


def _normalized(query: QueryDict) -> QueryDict:
    if all(nfc(key) == key and all(nfc(v) == v for v in values) for key, values in query.lists()):
        return query
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        for value in values:
            copy.appendlist(nfc(key), value if "password" in key.lower() else nfc(value))
    copy._mutable = False
    return copy
