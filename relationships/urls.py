from django.urls import path

from relationships import views

app_name = "relationships"

urlpatterns = [
    path("matches/<int:pk>/agreement/", views.agreement_edit, name="agreement-edit"),
    path("certificates/<int:pk>.pdf", views.certificate_download, name="certificate"),
]
