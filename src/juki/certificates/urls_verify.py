"""Public verification of issued certificates, mounted at /verify/ (Function.PUBLIC, rate-limited)."""

from django.urls import path

from . import views_verify

urlpatterns = [
    path("", views_verify.verify_form, name="verify-form"),
    path("<str:code>", views_verify.verify_certificate, name="verify-certificate"),
]
