from django.apps import AppConfig


class NationalConfig(AppConfig):
    """全国サーバ（機構） node (docs/network.md "Node roles")."""

    name = "juki.national"
    label = "national"
    verbose_name = "全国サーバ（機構）"

    def ready(self) -> None:
        from .handlers import register

        register()
