from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("programs/<int:pk>/", views.outcomes_view, name="program"),
    path("programs/<int:pk>/imports/", views.import_list, name="import-list"),
    path("programs/<int:pk>/imports/<int:import_pk>/", views.import_detail, name="import-detail"),
    path(
        "programs/<int:pk>/imports/<int:import_pk>/confirm/",
        views.import_confirm,
        name="import-confirm",
    ),
    path(
        "programs/<int:pk>/imports/<int:import_pk>/discard/",
        views.import_discard,
        name="import-discard",
    ),
]
