from django.apps import AppConfig


class StatsConfig(AppConfig):
    """統計: population and movement statistics and operational lists, aggregates only."""

    name = "juki.stats"
    label = "stats"
    verbose_name = "統計"
