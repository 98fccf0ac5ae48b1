from django.apps import AppConfig


class StatsConfig(AppConfig):
    """統計: population and movement statistics and operational lists, aggregates only."""

    name = "juki.stats"
    label = "stats"
    verbose_name = "統計"

    def ready(self) -> None:
        # The operational lists leave the system only as export kinds under prior approval (docs/privacy-exports.md).
        from .export_kinds import register_all

        register_all()
