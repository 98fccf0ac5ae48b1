from django.apps import AppConfig


class CsConfig(AppConfig):
    """市町村CS node (docs/network.md "Node roles")."""

    name = "juki.cs"
    label = "cs"
    verbose_name = "市町村CS"

    def ready(self) -> None:
        from .handlers import register

        register()
