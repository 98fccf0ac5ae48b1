"""Auditor pages, mounted at /audit/ (操作記録の閲覧)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.event_list, name="audit-events"),
    path("<int:seq>/", views.event_detail, name="audit-event-detail"),
]

# Access review (アクセス記録の点検): juki.audit.views_review
from . import views_review  # noqa: E402

urlpatterns += [
    path("review/", views_review.review_report, name="audit-review"),
    path("review/csv/", views_review.review_csv_download, name="audit-review-csv"),
    path("review/pdf/", views_review.review_pdf_download, name="audit-review-pdf"),
    path("review/mark/", views_review.review_mark, name="audit-review-mark"),
]
