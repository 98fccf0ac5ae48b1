from django.apps import AppConfig


class RegisterConfig(AppConfig):
    """The resident register (住民基本台帳): town blocks, persons, households, records."""

    name = "juki.register"
    label = "register"
    verbose_name = "住民基本台帳"
