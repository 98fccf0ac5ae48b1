"""URL map. Every view declares its function (juki.security.access.requires); see docs/security.md."""

from django.urls import include, path

from juki.api.app import urlpatterns as api_urlpatterns
from juki.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("", include("juki.security.urls_auth")),
    path("admin/", include("juki.security.urls_admin")),
    path("audit/review/", include("juki.review.urls")),
    path("audit/", include("juki.audit.urls")),
    path("register/", include("juki.register.urls")),
    path("disclosure/", include("juki.disclosure.urls")),
    path("exports/", include("juki.exports.urls")),
    path("certificates/", include("juki.certificates.urls")),
    path("protection/", include("juki.protection.urls")),
    path("stats/", include("juki.stats.urls")),
    path("verify/", include("juki.certificates.urls_verify")),
    path("api/v1/", api_urlpatterns()),
]
