"""Audit event types (操作記録の種別). Numbered by area; numbers are never reused."""

from __future__ import annotations

from enum import IntEnum


class EventType(IntEnum):
    # 1xxx authentication and sessions
    LOGIN_OK = 1001
    LOGIN_FAILED = 1002
    LOGOUT = 1003
    TOTP_ENROLLED = 1004
    ACCOUNT_LOCKED = 1005
    SCREEN_LOCKED = 1006
    SCREEN_UNLOCKED = 1007
    UNLOCK_FAILED = 1008
    PASSWORD_CHANGED = 1009
    SESSION_ENDED = 1010
    PASSWORD_CHANGE_FAILED = 1011
    # 11xx access control
    ACCESS_DENIED = 1101
    TERMINAL_REFUSED = 1102
    API_AUTH_FAILED = 1103
    API_CALL = 1104
    PAGE_VIEW = 1105
    # 2xxx staff, roles, terminals, API clients
    STAFF_CREATED = 2001
    STAFF_DISABLED = 2002
    STAFF_ENABLED = 2003
    ROLE_CHANGE_REQUESTED = 2004
    ROLE_CHANGE_APPROVED = 2005
    ROLE_CHANGE_REJECTED = 2006
    ROLE_GRANTED = 2007
    ROLE_REVOKED = 2008
    ROLE_CHANGE_REFUSED = 2009
    STAFF_PASSWORD_RESET = 2010
    STAFF_TERMINALS_CHANGED = 2011
    TERMINAL_REGISTERED = 2101
    TERMINAL_REVOKED = 2102
    TERMINAL_ENROLLED = 2103
    TERMINAL_ENROLMENT_ISSUED = 2104
    TERMINAL_ENROLMENT_FAILED = 2105
    API_CLIENT_CREATED = 2201
    API_CLIENT_REVOKED = 2202
    # 3xxx resident register (reads and writes)
    RESIDENT_SEARCH = 3001
    RESIDENT_VIEW = 3002
    # 9xxx system operations
    AUDIT_CHECKPOINT = 9001
    AUDIT_VERIFIED = 9002
    DEMO_LOADED = 9003
    CLI_COMMAND = 9004


class Outcome:
    OK = "ok"
    DENIED = "denied"
    ERROR = "error"
