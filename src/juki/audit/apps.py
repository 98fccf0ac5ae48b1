from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit log (操作記録): append-only, hash-chained, with signed checkpoints."""

    name = "juki.audit"
    label = "audit"
    verbose_name = "操作記録"
