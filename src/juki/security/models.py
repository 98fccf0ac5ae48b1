"""Staff, role grants, terminals and API clients (職員・権限・端末・外部システム)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from .roles import Function, Role, functions_for

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager

ROLE_CHOICES = [(r.value, r.label) for r in Role]


class StaffManager(BaseUserManager["Staff"]):
    def get_by_natural_key(self, username: str | None) -> Staff:
        return self.get(staff_id=username)


class Staff(AbstractBaseUser):
    """職員: one individual person. Shared IDs are not allowed (one account, one person).

    Accounts are never deleted (the audit log refers to them); transfer or retirement
    disables them (``is_active`` False, ``disabled_at`` set).
    """

    staff_id = models.CharField("職員ID", max_length=32, unique=True)
    name = models.CharField("氏名", max_length=100)
    office = models.CharField("所属", max_length=100, blank=True)
    application_no = models.CharField("ユーザID申請書番号", max_length=64, blank=True)
    is_active = models.BooleanField("有効", default=True)
    disabled_at = models.DateTimeField("無効化日時", null=True, blank=True)
    disabled_reason = models.CharField("無効化理由", max_length=200, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    must_change_password = models.BooleanField("初回パスワード変更要", default=True)
    password_changed_at = models.DateTimeField("パスワード変更日時", null=True, blank=True)
    # The staff member's own resident record (自身の宛名番号), set by administrators so the access
    # review can flag looks at one's own and same-address records (juki.review.rules).
    # A plain number, not a foreign key: the register may purge a record (保存期間), the link stays.
    own_addressee_no = models.BigIntegerField("自身の宛名番号", null=True, blank=True)

    # Second factor (TOTP, RFC 6238). The secret is encrypted at rest (see security.crypto).
    totp_secret_enc = models.BinaryField("TOTP秘密鍵（暗号化）", null=True, blank=True, editable=False)
    totp_enrolled_at = models.DateTimeField("二要素登録日時", null=True, blank=True)
    totp_last_step = models.BigIntegerField("最後に使用したTOTP時刻ステップ", default=0)

    # Lockout after repeated failures.
    failed_logins = models.PositiveIntegerField("連続失敗回数", default=0)
    locked_until = models.DateTimeField("ロック解除日時", null=True, blank=True)

    terminals: models.ManyToManyField[Terminal, Any] = models.ManyToManyField("Terminal", blank=True, related_name="staff", verbose_name="利用可能端末")

    USERNAME_FIELD = "staff_id"
    REQUIRED_FIELDS = ["name"]
    objects = StaffManager()

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"
        ordering = ["staff_id"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.name}"

    # Roles come only from active grants.
    def roles(self) -> frozenset[Role]:
        cache = getattr(self, "_roles_cache", None)
        if cache is None:
            cache = frozenset(Role(g) for g in self.role_grants.filter(revoked_at__isnull=True).values_list("role", flat=True))
            self._roles_cache = cache
        return cache

    def functions(self) -> frozenset[Function]:
        return functions_for(self.roles())

    def has_role(self, role: Role) -> bool:
        return role in self.roles()


class RoleGrant(models.Model):
    """権限付与: one role held by one staff member, from approval until revocation."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="role_grants")
    role = models.CharField("役割", max_length=32, choices=ROLE_CHOICES)
    granted_at = models.DateTimeField("付与日時")
    request = models.ForeignKey("RoleChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoke_request = models.ForeignKey("RoleChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "権限付与"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "role"], condition=models.Q(revoked_at__isnull=True), name="one_active_grant_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}:{self.role}"


class RoleChangeRequest(models.Model):
    """権限変更申請: grant or revoke a role; effective only once a *second* administrator approves."""

    class Kind(models.TextChoices):
        GRANT = "grant", "付与"
        REVOKE = "revoke", "取消"

    class State(models.TextChoices):
        PENDING = "pending", "承認待ち"
        APPROVED = "approved", "承認済"
        REJECTED = "rejected", "却下"
        CANCELLED = "cancelled", "取下げ"

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="role_requests")
    role = models.CharField("役割", max_length=32, choices=ROLE_CHOICES)
    kind = models.CharField("種別", max_length=8, choices=Kind.choices)
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.PENDING)
    application_no = models.CharField("ユーザID申請書番号", max_length=64)
    reason = models.CharField("理由", max_length=200, blank=True)
    requested_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requested_via = models.CharField("申請経路", max_length=64, default="web")  # "web" or "cli:<os user>"
    requested_at = models.DateTimeField("申請日時")
    decided_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    decision_comment = models.CharField("決定コメント", max_length=200, blank=True)

    class Meta:
        verbose_name = "権限変更申請"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"申請{self.pk} {self.kind} {self.role} ({self.state})"


class Terminal(models.Model):
    """登録端末: a workstation allowed to reach juki, bound to its browser by a signed cookie.

    ``functions`` restricts which functions may be used from this terminal
    (機能ごとにアクセスできる端末の制限); open functions are always allowed.
    ``binding_nonce`` changes at every enrolment, so a copied old cookie stops working.
    """

    # Reverse side of Staff.terminals, declared for the type checker (the plugin does not add
    # reverse accessors of the user model).
    staff: ManyRelatedManager[Staff, Any]

    terminal_id = models.CharField("端末ID", max_length=32, unique=True)
    name = models.CharField("端末名", max_length=100)
    location = models.CharField("設置場所", max_length=100, blank=True)
    functions = models.JSONField("利用可能機能", default=list)
    is_active = models.BooleanField("有効", default=True)
    registered_at = models.DateTimeField("登録日時")
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    binding_nonce = models.CharField(max_length=64, blank=True, editable=False)
    enrolment_code_hash = models.CharField(max_length=128, blank=True, editable=False)
    enrolment_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    enrolled_at = models.DateTimeField("ブラウザ登録日時", null=True, blank=True)

    class Meta:
        verbose_name = "端末"
        ordering = ["terminal_id"]

    def __str__(self) -> str:
        return f"{self.terminal_id} {self.name}"

    def allows(self, function: Function) -> bool:
        return function in (Function.PUBLIC, Function.SESSION) or function.value in self.functions


class ApiClient(models.Model):
    """外部システム: another system calling the API with its own token, from listed addresses only."""

    client_id = models.CharField("システムID", max_length=32, unique=True)
    name = models.CharField("システム名", max_length=100)
    token_hash = models.CharField(max_length=128, editable=False)
    allowed_networks = models.JSONField("接続元アドレス", default=list)  # CIDR strings
    functions = models.JSONField("利用可能機能", default=list)
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("登録日時")
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "外部システム"
        ordering = ["client_id"]

    def __str__(self) -> str:
        return f"{self.client_id} {self.name}"


class ApiIdempotencyKey(models.Model):
    """冪等キー: an API client's ``Idempotency-Key`` for ``POST /api/v1/changes``, with the change it
    entered and a keyed fingerprint of the request (never the request itself: it may carry a My
    Number), so a retry after a lost response gets that change instead of entering it again.
    Kept for ``juki.api.idempotency.RETENTION``; older keys are removed and may be used again."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField("冪等キー", max_length=255)
    fingerprint = models.CharField("要求の指紋", max_length=100)  # keys.keyed_hash: kid:HMAC-SHA256
    change_id = models.BigIntegerField("異動番号")  # a plain number, like Staff.own_addressee_no
    created_at = models.DateTimeField("登録日時")

    class Meta:
        verbose_name = "冪等キー"
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="api_idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="api_idempotency_created")]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.key} → {self.change_id}"
