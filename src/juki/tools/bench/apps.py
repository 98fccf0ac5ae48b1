from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "juki.tools.bench"
    label = "bench"
    verbose_name = "性能測定"
