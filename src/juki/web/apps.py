from django.apps import AppConfig


class WebConfig(AppConfig):
    """Staff UI shell: base templates, menu, static files (職員画面)."""

    name = "juki.web"
    label = "web"
