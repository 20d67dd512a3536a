from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("programs/<int:pk>/", views.outcomes_view, name="program"),
    path("programs/<int:pk>/report/", views.report_view, name="report"),
    path("programs/<int:pk>/report.pdf", views.report_pdf, name="report-pdf"),
    path("programs/<int:pk>/report.<slug:fmt>", views.report_download, name="report-download"),
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
