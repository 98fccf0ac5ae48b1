from django.apps import AppConfig


class ReviewConfig(AppConfig):
    """The access review (アクセス記録の点検): reads the audit log, the register, certificates and
    protection measures, so it sits above the register. Its marks (``ReviewMark``) stay in the
    audit app's tables (migration ``audit.0003_review_mark``)."""

    name = "juki.review"
    label = "review"
    verbose_name = "アクセス記録の点検"
