"""Auditor pages, mounted at /audit/ (操作記録の閲覧)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.event_list, name="audit-events"),
    path("<int:seq>/", views.event_detail, name="audit-event-detail"),
]
