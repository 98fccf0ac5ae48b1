"""Screens of the certificates app (証明書交付・交付簿). Each view declares its function."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="certificates-index"),
    path("new/", views.new, name="certificates-new"),
    path("<int:certificate_id>/", views.detail, name="certificates-detail"),
    path("<int:certificate_id>/pdf/", views.download, name="certificates-download"),
    path("<int:certificate_id>/reprint/", views.reprint, name="certificates-reprint"),
    path("<int:certificate_id>/void/", views.void, name="certificates-void"),
    path("ledger/", views.ledger_view, name="certificates-ledger"),
    path("ledger/csv/", views.ledger_csv, name="certificates-ledger-csv"),
    path("ledger/pdf/", views.ledger_pdf, name="certificates-ledger-pdf"),
]
