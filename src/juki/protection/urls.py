"""Screens of the protection app (支援措置), mounted at /protection/. Each view declares its function."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.measure_list, name="protection-list"),
    path("new/", views.measure_new, name="protection-new"),
    path("<int:measure_id>/", views.measure_detail, name="protection-detail"),
    path("<int:measure_id>/confirm/", views.measure_confirm, name="protection-confirm"),
    path("<int:measure_id>/renew/", views.measure_renew, name="protection-renew"),
    path("<int:measure_id>/end/", views.measure_end, name="protection-end"),
    path("attempts/", views.attempt_list, name="protection-attempts"),
    path("attempts/<int:attempt_id>/acknowledge/", views.attempt_acknowledge, name="protection-attempt-acknowledge"),
]
