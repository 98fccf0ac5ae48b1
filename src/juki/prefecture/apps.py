from django.apps import AppConfig


class PrefectureConfig(AppConfig):
    """都道府県サーバ node (docs/network.md "Node roles")."""

    name = "juki.prefecture"
    label = "prefecture"
    verbose_name = "都道府県サーバ"

    def ready(self) -> None:
        from .handlers import register

        register()
