"""Access review pages (アクセス記録の点検), mounted at /audit/review/ beside the auditor pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_report, name="audit-review"),
    path("csv/", views.review_csv_download, name="audit-review-csv"),
    path("pdf/", views.review_pdf_download, name="audit-review-pdf"),
    path("mark/", views.review_mark, name="audit-review-mark"),
]
