from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("", views.my_matches, name="my-matches"),
    path("matches/<int:pk>/", views.match_detail, name="match-detail"),
    path("matches/<int:pk>/end/", views.end_request, name="end-request"),
    path("applications/<int:pk>/suggestions/", views.suggestions, name="suggestions"),
    path("requests/", views.requests, name="requests"),
    path("applications/<int:pk>/taking-requests/", views.request_status, name="request-status"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw_view, name="request-withdraw"),
    path("requests/<int:pk>/<str:answer>/", views.request_answer, name="request-answer"),
    path("programs/<int:program_id>/not-matched-with/", views.exclusions, name="exclusions"),
    path("not-matched-with/<int:pk>/remove/", views.exclusion_remove, name="exclusion-remove"),
]
