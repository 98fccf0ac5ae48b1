from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    """開示請求・訂正請求・利用停止請求の受付と処理."""

    name = "juki.disclosure"
    label = "disclosure"
    verbose_name = "開示請求等"
