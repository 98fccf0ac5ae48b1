from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "juki.tools.demo"
    label = "demo"
    verbose_name = "デモ自治体"
