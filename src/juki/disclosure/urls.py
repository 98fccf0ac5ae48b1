"""Disclosure screens (開示請求等), mounted at /disclosure/. Each view declares its function."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.request_list, name="disclosure-list"),
    path("<int:request_id>/", views.request_detail, name="disclosure-detail"),
    path("<int:request_id>/start/", views.request_start, name="disclosure-start"),
    path("<int:request_id>/complete/", views.request_complete, name="disclosure-complete"),
    path("<int:request_id>/refuse/", views.request_refuse, name="disclosure-refuse"),
    path("<int:request_id>/document/", views.request_document, name="disclosure-document"),
    path("<int:request_id>/document.pdf", views.request_document_pdf, name="disclosure-document-pdf"),
]
