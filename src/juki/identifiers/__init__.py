"""Identifiers of the resident register with their check digits (検査数字).

- :mod:`.my_number` — 個人番号 (12 digits; 総務省令85号 第5条);
- :mod:`.resident_code` — 住民票コード (11 digits; 住基法施行規則1条, formula unconfirmed);
- :mod:`.lg_code` — 地方公共団体コード (6 digits).

Each offers ``check_digit``, ``is_valid`` and ``validate`` (accepts full-width digits, spaces
and hyphens; raises :class:`.errors.IdentifierError` with a stable code). All three are weighted
modulus-11 check digits: :mod:`.check_digits` holds the shared mechanics, each module its own
weights and remainder rule. Plain Python, no
Django: other systems may import this package on its own (it needs only :mod:`juki.core.errors`).
"""
