from django.apps import AppConfig


class NetworkConfig(AppConfig):
    """juki-net: messages between nodes over NATS JetStream (docs/network.md)."""

    name = "juki.network"
    label = "network"
    verbose_name = "ネットワーク"
