from django.urls import path

from evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.pending_list, name="pending"),
    path("check-ins/<int:pk>/", views.checkin_answer_view, name="checkin-answer"),
    path("surveys/<int:pk>/", views.survey_answer_view, name="survey-answer"),
    path("programs/", views.program_list, name="program-list"),
    path("programs/<int:pk>/", views.program_dashboard, name="program-dashboard"),
    path("programs/<int:pk>/answers/", views.answer_list, name="answer-list"),
    path("programs/<int:pk>/check-in-preview/", views.checkin_preview_view, name="checkin-preview"),
    path("programs/<int:pk>/check-ins/open/", views.checkin_round_open, name="checkin-round-open"),
    path("exports/<slug:dataset>.<slug:fmt>", views.export, name="export"),
    path("impact/", views.impact_view, name="impact"),
    path("impact.<slug:fmt>", views.impact_export, name="impact-export"),
]
