"""URL map of a node that is not a municipality (cs, prefecture, national): for now the health
check its process manager and `juki network status` use; its screens come later."""

from django.urls import path

from juki.web import views as web_views

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
]
