"""Register screens (住民記録), mounted at /register/. Each view declares its function."""

from django.urls import path

from .views import changes, my_number, residents, search

urlpatterns = [
    path("search/", search.search, name="register-search"),
    path("persons/<int:addressee_no>/", residents.person_detail, name="register-person"),
    path("persons/<int:addressee_no>/my-number/", my_number.reveal, name="register-my-number-reveal"),
    path("households/<int:household_no>/", residents.household_detail, name="register-household"),
    path("changes/new/", changes.change_kinds, name="register-change-kinds"),
    path("changes/new/<str:kind>/", changes.change_new, name="register-change-new"),
    path("changes/mine/", changes.mine, name="register-change-mine"),
    path("changes/mine/<int:change_id>/", changes.mine_detail, name="register-change-mine-detail"),
    path("changes/mine/<int:change_id>/cancel/", changes.change_cancel, name="register-change-cancel"),
    path("changes/pending/", changes.pending, name="register-change-pending"),
    path("changes/<int:change_id>/", changes.change_detail, name="register-change-detail"),
    path("changes/<int:change_id>/confirm/", changes.change_confirm, name="register-change-confirm"),
    path("changes/<int:change_id>/reject/", changes.change_reject, name="register-change-reject"),
]
