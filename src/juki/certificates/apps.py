from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """証明書交付: documents, requests, the issuance ledger and public verification."""

    name = "juki.certificates"
    label = "certificates"
    verbose_name = "証明書交付"
