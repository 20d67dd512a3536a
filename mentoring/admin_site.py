"""The project's admin site: Django's, with its navigation list built once per set of rights.

Every admin page lists the apps and models the person may use (the navigation sidebar, and
the index pages). Django builds that list on each request: for each of some sixty registered
models it asks the model admin for its rights, reverses two URLs and translates the names,
about a tenth of a changelist's time. The list depends only on what the person may do (their
permissions, or being a superuser), the language, the URL prefix and the registered models,
so it is kept per process under exactly those keys: a change of rights is a different key,
never a stale list. Callers get their own copies of the dictionaries.

This holds while every model admin answers `has_module_permission` and `has_*_permission`
(without an object) from the person's permissions and superuser flag alone, as all of ours do
(fixed answers, `has_perm`, or superusers only); one that asked anything else of the request
would need it in the key.
"""

from django.contrib import admin
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mentoring.kept import Kept

#: Distinct keys kept before the list is emptied (each is one set of rights in one language).
APP_LIST_KEYS_KEPT = 64


class MentoringAdminSite(admin.AdminSite):
    site_header = _("Mentoring administration")
    site_title = _("Mentoring")
    index_title = _("Programs, matching and evaluation")

    def __init__(self, name="admin"):
        super().__init__(name)
        self._app_lists = Kept(size=APP_LIST_KEYS_KEPT)

    # The registry is filled at start-up; a model registered later still shows.
    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, admin_class, **options)
        self._app_lists.forget()

    def unregister(self, model_or_iterable):
        super().unregister(model_or_iterable)
        self._app_lists.forget()

    def get_app_list(self, request, app_label=None):
        user = request.user
        if user.is_active and user.is_superuser:
            rights = "superuser"
        else:
            # What the model admins' answers depend on (see above); read once per request
            # by the auth backend, which the admin's own permission checks use too.
            rights = frozenset(user.get_all_permissions())
        key = (app_label, get_language(), get_script_prefix(), get_urlconf(), rights)
        built = self._app_lists.get(key)
        if built is None:
            built = super().get_app_list(request, app_label)
            for app in built:
                # Names in the key's language, so a page does not translate them again.
                app["name"] = str(app["name"])
                for model in app["models"]:
                    model["name"] = str(model["name"])
            self._app_lists.put(key, built)
        return [
            {
                **app,
                "models": [{**model, "perms": dict(model["perms"])} for model in app["models"]],
            }
            for app in built
        ]
