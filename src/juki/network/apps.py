from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """juki-net: messages between nodes over NATS JetStream (docs/network.md)."""

    name = "juki.network"
    label = "network"
    verbose_name = "ネットワーク"

    def ready(self) -> None:
        from . import handlers, identity
        from .interfaces import Role

        # The municipality keeps each update's result with what it sent (juki.network.identity).
        handlers.register(Role.MUNICIPAL, identity.RESULT)(identity.record_result)
