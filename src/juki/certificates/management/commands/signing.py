"""``juki signing status|certificate`` — the certificate-signing key (証明書の電子署名鍵).

- ``juki signing status`` — which certificate signs issued PDFs (subject, SHA-256 fingerprint,
  expiry, self-signed or not, the key file and its mode). Creates the self-signed key and
  certificate if there are none yet (as the first issued certificate would).
- ``juki signing certificate`` — the signing certificate in PEM (public), for relying parties
  who want to trust it in their PDF reader.

Neither prints the private key. Both are recorded in the audit log as CLI commands.
See docs/certificates-verification.md.
"""

from __future__ import annotations

from typing import Any

from juki.audit.events import EventType
from juki.audit.log import record
from juki.certificates import signing
from juki.core.actor import Actor
from juki.security.management.commands._common import SubcommandCommand

FUNCTION = "cli.signing"


class Command(SubcommandCommand):
    help = "証明書の電子署名鍵の状況・証明書の出力 (signing key status / print the signing certificate)"

    def add_subcommands(self, subs: Any) -> None:
        subs.add_parser("status", help="署名に使う証明書と鍵ファイルの状況 (subject, fingerprint, expiry, key file)")
        subs.add_parser("certificate", help="署名用証明書をPEMで出力 (print the public certificate, PEM)")

    def handle_status(self, **_: Any) -> None:
        status = signing.signing_status()
        record(EventType.CLI_COMMAND, action="signing-status", function=FUNCTION, terminal_id="cli",
               detail={"fingerprint_sha256": status["fingerprint_sha256"], **Actor.cli().operator_detail()})
        labels = {
            "subject": "証明書の主体 subject",
            "fingerprint_sha256": "フィンガープリント SHA-256",
            "not_after": "有効期限 not after",
            "self_signed": "自己署名 self-signed",
            "chain_certificates": "上位CA証明書 chain certificates",
            "retired_certificates": "旧署名用証明書 retired certificates",
            "key_file": "鍵ファイル key file",
            "key_file_mode": "鍵ファイルの権限 mode",
        }
        for key, label in labels.items():
            self.stdout.write(f"{label}: {status[key]}")
        if status["self_signed"] == "yes":
            self.stdout.write("注意: 自己署名の証明書です。本番ではLGPKIの職責証明書に置き換えてください"
                              " (docs/certificates-verification.md) / self-signed: replace with the LGPKI certificate.")

    def handle_certificate(self, **_: Any) -> None:
        identity = signing.signing_identity()
        record(EventType.CLI_COMMAND, action="signing-certificate", function=FUNCTION, terminal_id="cli",
               detail={"fingerprint_sha256": identity.fingerprint, **Actor.cli().operator_detail()})
        self.stdout.write((identity.directory / signing.CERT_FILE).read_text().rstrip())
