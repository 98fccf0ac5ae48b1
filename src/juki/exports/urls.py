"""大量出力の画面, mounted at /exports/. Each view declares its function."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.mine, name="exports-mine"),
    path("pending/", views.pending, name="exports-pending"),
    path("<int:request_id>/approve/", views.approve, name="exports-approve"),
    path("<int:request_id>/reject/", views.reject, name="exports-reject"),
    path("<int:request_id>/produce/", views.produce, name="exports-produce"),
    path("<int:request_id>/download/", views.download, name="exports-download"),
]
