from mentoring.roles import user_roles

#: Check-ins and surveys to answer are in the evaluation app, but are not its reports.
CHECKIN_PAGES = frozenset({"pending", "checkin-answer", "survey-answer"})
#: Apps whose pages light up their own link in the navigation.
SECTION_APPS = frozenset({"programs", "matching", "sessions", "messaging"})


def nav_section(request) -> str:
    """Which link of the navigation is the current page's: the key of its kept HTML
    (templates/base.html), so that the navigation depends on this one value."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.url_name == "home" and not match.app_name:
        return "home"
    if match.app_name in SECTION_APPS:
        return match.app_name
    if match.app_name == "evaluation":
        return "checkins" if match.url_name in CHECKIN_PAGES else "reports"
    return ""


def navigation(request):
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"roles": user_roles(user), "nav_section": nav_section(request)}
