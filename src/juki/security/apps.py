from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Staff, roles, terminals and API clients (職員・権限・端末・外部システム)."""

    name = "juki.security"
    label = "security"
    verbose_name = "セキュリティ"
