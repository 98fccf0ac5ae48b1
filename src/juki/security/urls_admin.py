"""Administration pages (管理画面), mounted at /admin/. Each view declares its function."""

from django.urls import path

from .views import admin_roles, admin_staff, admin_terminals

urlpatterns = [
    path("staff/", admin_staff.staff_list, name="admin-staff"),
    path("staff/new/", admin_staff.staff_create, name="admin-staff-create"),
    path("staff/<str:staff_id>/", admin_staff.staff_detail, name="admin-staff-detail"),
    path("staff/<str:staff_id>/disable/", admin_staff.staff_disable, name="admin-staff-disable"),
    path("staff/<str:staff_id>/enable/", admin_staff.staff_enable, name="admin-staff-enable"),
    path("staff/<str:staff_id>/terminals/", admin_staff.staff_terminals, name="admin-staff-terminals"),
    path("staff/<str:staff_id>/own-record/", admin_staff.staff_own_record, name="admin-staff-own-record"),
    path("staff/<str:staff_id>/reset/", admin_staff.staff_reset, name="admin-staff-reset"),
    path("staff/<str:staff_id>/role-request/", admin_staff.staff_role_request, name="admin-staff-role-request"),
    path("role-requests/", admin_roles.role_request_list, name="admin-role-requests"),
    path("role-requests/<int:pk>/approve/", admin_roles.role_request_approve, name="admin-role-request-approve"),
    path("role-requests/<int:pk>/reject/", admin_roles.role_request_reject, name="admin-role-request-reject"),
    path("role-requests/<int:pk>/cancel/", admin_roles.role_request_cancel, name="admin-role-request-cancel"),
    path("terminals/", admin_terminals.terminal_list, name="admin-terminals"),
    path("terminals/new/", admin_terminals.terminal_create, name="admin-terminal-create"),
    path("terminals/<str:terminal_id>/", admin_terminals.terminal_detail, name="admin-terminal-detail"),
    path("terminals/<str:terminal_id>/functions/", admin_terminals.terminal_functions, name="admin-terminal-functions"),
    path("terminals/<str:terminal_id>/revoke/", admin_terminals.terminal_revoke, name="admin-terminal-revoke"),
    path("terminals/<str:terminal_id>/enrol/", admin_terminals.terminal_enrol, name="admin-terminal-enrol"),
    path("api-clients/", admin_terminals.apiclient_list, name="admin-apiclients"),
]
