"""Public verification of issued certificates, mounted at /verify/ (Function.PUBLIC, rate-limited)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
