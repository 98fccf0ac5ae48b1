from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    """支援措置: DV・ストーカー・児童虐待等の被害者保護のための住民票の写し等の交付制限."""

    name = "juki.protection"
    label = "protection"
    verbose_name = "支援措置"
