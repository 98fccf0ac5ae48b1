"""Screens of the protection app. Each view declares its function (juki.security.access.requires)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
