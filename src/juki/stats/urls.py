"""Screens of the stats app. Each view declares its function (juki.security.access.requires)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.population_view, name="stats-population"),
    path("movements/", views.movements_view, name="stats-movements"),
    path("export/<slug:name>.<slug:fmt>", views.export_table, name="stats-export"),
    path("report.pdf", views.report_pdf, name="stats-report"),
    path("lists/", views.lists_view, name="stats-lists"),
    path("lists/export/", views.list_export, name="stats-list-export"),
]
