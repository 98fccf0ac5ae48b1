"""Login and session pages (ログイン・画面ロック・パスワード変更・端末登録). See juki.security.auth."""

from django.urls import path

from .views import auth as views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/totp/", views.totp_view, name="login-totp"),
    path("login/totp/enrol/", views.totp_enrol_view, name="login-totp-enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("lock/", views.lock_view, name="lock"),
    path("password/", views.password_view, name="password-change"),
    path("terminal/enrol/", views.terminal_enrol_view, name="terminal-enrol"),
]
