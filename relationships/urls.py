from django.urls import path

from relationships import views

app_name = "relationships"

urlpatterns = [
    path("matches/<int:pk>/agreement/", views.agreement_edit, name="agreement-edit"),
    path("matches/<int:pk>/goals/", views.goal_list, name="goals"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/status/", views.goal_status, name="goal-status"),
    path("goals/<int:pk>/milestones/", views.milestone_add, name="milestone-add"),
    path("goals/<int:pk>/progress/", views.goal_progress, name="goal-progress"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone-done"),
    path("certificates/<int:pk>.pdf", views.certificate_download, name="certificate"),
]
