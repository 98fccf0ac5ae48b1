from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """大量出力: requests, prior approval by the 管理責任者, encrypted and watermarked files."""

    name = "juki.exports"
    label = "exports"
    verbose_name = "大量出力"
