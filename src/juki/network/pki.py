"""Keys and certificates of the network (ネットワーク認証局・ノード証明書).

The national tier operates the **network CA**. Every node (municipal register, 市町村CS,
prefecture, national server) holds:

- a TLS key and certificate (ECDSA P-256) issued by the CA, subject ``O=juki-net, OU=<role>,
  CN=<node id>``: the messaging server accepts a connection only with such a certificate and
  maps its subject to the node's user and permissions (nats-server ``verify_and_map``);
- an Ed25519 key that signs every envelope it sends (:mod:`juki.network.envelope`);
- an X25519 key to which personal data sent to it is encrypted.

The two public message keys are bound to the node by the same certificate, as a URI in its
subject alternative names (``urn:juki-net:node-keys:<Ed25519>.<X25519>``, base64url; a
standard extension every TLS stack parses), so a receiver that trusts the CA learns from one
verified certificate who a sender is, what role it has and which key signs for it.

A node's directory holds ``node.crt``, ``ca.crt`` and the private keys ``node.key``,
``sign.key``, ``kex.key``, written with mode 0600. The CA's own key never leaves the CA's
directory. (Production keeps the CA key in an HSM; docs/network.md, *Keys and certificates*.)
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from juki.core.errors import JukiError

from .interfaces import Role

#: Organisation name in every certificate of the network.
ORGANISATION = "juki-net"
#: Prefix of the subject-alternative-name URI that carries a node's message keys.
KEYS_URN = "urn:juki-net:node-keys:"
#: What a node id looks like: it is a token of NATS subjects, so no dots, spaces or wildcards.
NODE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
#: The identity of the network administrator (creates streams and consumers; national tier).
ADMIN_ID = "network-admin"

CA_FILES = ("ca.crt", "ca.key")
NODE_FILES = ("node.crt", "node.key", "sign.key", "kex.key", "ca.crt")


class CertificateError(JukiError):
    """A certificate that does not identify a node of this network."""

    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=403)


def write_private(path: Path, data: bytes) -> None:
    """Write a secret readable by the owner only (0600), whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def _pem_private(key: object) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,  # type: ignore[attr-defined]
                             serialization.NoEncryption())


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def subject_string(node_id: str, role: str) -> str:
    """The certificate subject as nats-server renders it for ``verify_and_map`` (RFC 2253,
    last RDN first)."""
    return f"CN={node_id},OU={role},O={ORGANISATION}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CertificateAuthority:
    """The network CA (ネットワーク認証局), operated by the national tier."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, directory: Path, *, name: str = "juki-net CA", days: int = 3650) -> CertificateAuthority:
        """A new CA, written to ``directory`` (``ca.crt``, and ``ca.key`` with 0600)."""
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        subject = _name(name, "ca")
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256())
        )
        (directory / "ca.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_private(directory / "ca.key", _pem_private(key))
        return cls(cert, key)

    @classmethod
    def load(cls, directory: Path) -> CertificateAuthority:
        cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
        key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(cert, key)

    def _builder(self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey, days: int) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.certificate.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )

    def issue_node(self, directory: Path, node_id: str, role: str, *, days: int = 825) -> NodeIdentity:
        """Issue a node's certificate and keys into its directory (private keys 0600)."""
        if not NODE_ID.match(node_id):
            raise CertificateError("NETWORK_NODE_ID_INVALID", f"ノードID「{node_id}」は英小文字・数字・ハイフンで指定してください。")
        if role != "admin" and role not in {r.value for r in Role}:
            raise CertificateError("NETWORK_ROLE_INVALID", f"ノードの種別「{role}」は定義されていません。")
        directory.mkdir(parents=True, exist_ok=True)
        tls_key = ec.generate_private_key(ec.SECP256R1())
        sign_key = ed25519.Ed25519PrivateKey.generate()
        kex_key = x25519.X25519PrivateKey.generate()
        keys = KEYS_URN + _b64(sign_key.public_key().public_bytes_raw()) + "." + _b64(kex_key.public_key().public_bytes_raw())
        cert = (
            self._builder(_name(node_id, role), tls_key.public_key(), days)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(keys)]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        (directory / "node.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / "ca.crt").write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        write_private(directory / "node.key", _pem_private(tls_key))
        write_private(directory / "sign.key", _pem_private(sign_key))
        write_private(directory / "kex.key", _pem_private(kex_key))
        return NodeIdentity.load(directory)

    def issue_server(self, directory: Path, *, hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
                     days: int = 825) -> tuple[Path, Path]:
        """The messaging server's TLS certificate (``server.crt``, ``server.key``)."""
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (
            self._builder(_name(hosts[0], "messaging-server"), key.public_key(), days)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        crt, pem_key = directory / "server.crt", directory / "server.key"
        crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_private(pem_key, _pem_private(key))
        return crt, pem_key


@dataclass(frozen=True)
class NodeCertificate:
    """What a verified node certificate says: who the node is and which keys speak for it."""

    node_id: str
    role: str
    sign_key: ed25519.Ed25519PublicKey
    kex_key: x25519.X25519PublicKey
    certificate: x509.Certificate

    @property
    def subject(self) -> str:
        return subject_string(self.node_id, self.role)


def verify_node_certificate(cert: x509.Certificate, ca: x509.Certificate,
                            at: dt.datetime | None = None) -> NodeCertificate:
    """Check that ``cert`` was issued by the network CA and is valid now; return its node.

    Refuses (``NETWORK_CERT_INVALID``) a certificate of another CA, an expired one, or one
    without a node identity and message keys.
    """
    now = at or dt.datetime.now(dt.UTC)
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        raise CertificateError("NETWORK_CERT_INVALID", "ネットワーク認証局が発行した証明書ではありません。") from None
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise CertificateError("NETWORK_CERT_INVALID", "証明書の有効期間外です。")

    def attr(oid: x509.ObjectIdentifier) -> str:
        values = cert.subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    node_id, role = attr(NameOID.COMMON_NAME), attr(NameOID.ORGANIZATIONAL_UNIT_NAME)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uri = next(u for u in names.get_values_for_type(x509.UniformResourceIdentifier) if u.startswith(KEYS_URN))
        sign_b64, kex_b64 = uri[len(KEYS_URN):].split(".")
        sign_key = ed25519.Ed25519PublicKey.from_public_bytes(_unb64(sign_b64))
        kex_key = x25519.X25519PublicKey.from_public_bytes(_unb64(kex_b64))
    except (x509.ExtensionNotFound, StopIteration, ValueError, TypeError):
        raise CertificateError("NETWORK_CERT_INVALID", "証明書にノードの鍵が記載されていません。") from None
    if attr(NameOID.ORGANIZATION_NAME) != ORGANISATION or not NODE_ID.match(node_id) or not role:
        raise CertificateError("NETWORK_CERT_INVALID", "証明書がこのネットワークのノードを示していません。")
    return NodeCertificate(node_id, role, sign_key, kex_key, cert)


@dataclass(frozen=True)
class NodeIdentity:
    """A node's own keys and certificate, loaded from its directory."""

    directory: Path
    certificate: NodeCertificate
    sign_key: ed25519.Ed25519PrivateKey
    kex_key: x25519.X25519PrivateKey
    ca_certificate: x509.Certificate

    @property
    def node_id(self) -> str:
        return self.certificate.node_id

    @property
    def role(self) -> str:
        return self.certificate.role

    @classmethod
    def load(cls, directory: Path) -> NodeIdentity:
        ca = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
        cert = verify_node_certificate(x509.load_pem_x509_certificate((directory / "node.crt").read_bytes()), ca)
        sign_key = serialization.load_pem_private_key((directory / "sign.key").read_bytes(), password=None)
        kex_key = serialization.load_pem_private_key((directory / "kex.key").read_bytes(), password=None)
        assert isinstance(sign_key, ed25519.Ed25519PrivateKey) and isinstance(kex_key, x25519.X25519PrivateKey)
        return cls(directory, cert, sign_key, kex_key, ca)


class NodeDirectory:
    """The nodes a node knows (ノード名簿): their verified certificates, by node id.

    Built from certificate files checked against the network CA; a sender not in it is
    unknown and its messages are refused.
    """

    def __init__(self, ca: x509.Certificate, certificates: Iterable[x509.Certificate] = ()):
        self.ca = ca
        self._nodes: dict[str, NodeCertificate] = {}
        for cert in certificates:
            self.add(cert)

    def add(self, cert: x509.Certificate) -> NodeCertificate:
        node = verify_node_certificate(cert, self.ca)
        self._nodes[node.node_id] = node
        return node

    def get(self, node_id: str) -> NodeCertificate | None:
        node = self._nodes.get(node_id)
        if node is not None and not (node.certificate.not_valid_before_utc <= dt.datetime.now(dt.UTC)
                                     <= node.certificate.not_valid_after_utc):
            return None
        return node

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and self.get(node_id) is not None

    def nodes(self) -> list[NodeCertificate]:
        return list(self._nodes.values())
