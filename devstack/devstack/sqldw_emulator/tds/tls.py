"""The server certificate: a self-signed one generated at start-up, as SQL Server does.

Writes the key only to a private temporary directory while loading it.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import os
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@functools.lru_cache(maxsize=1)
def self_signed_pem(common_name: str = "localhost") -> tuple[bytes, bytes]:
    """Generate a self-signed certificate and its key (cached per process).

    Args:
        common_name: Subject CN; localhost and 127.0.0.1 are always subject alternative names.

    Returns:
        ``(certificate_pem, private_key_pem)``.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.DNSName(common_name),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(cert_pem: bytes | None = None, key_pem: bytes | None = None) -> ssl.SSLContext:
    """Build the server's TLS context.

    TLS 1.2 is the ceiling because TDS 7.x clients wrap the handshake in PRELOGIN packets and
    expect it to end with the server's Finished; TLS 1.3's post-handshake session tickets
    would arrive after the client left that framing.

    Args:
        cert_pem: A PEM certificate; generated when omitted.
        key_pem: Its PEM private key.

    Returns:
        A server-side context.
    """
    if cert_pem is None or key_pem is None:
        cert_pem, key_pem = self_signed_pem()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    # load_cert_chain reads files only; the key lives on disk for the blink of this call.
    with tempfile.TemporaryDirectory(prefix="sqldw-tls-") as directory:
        cert_path = os.path.join(directory, "cert.pem")
        key_path = os.path.join(directory, "key.pem")
        with open(cert_path, "wb") as handle:
            handle.write(cert_pem)
        with os.fdopen(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
            handle.write(key_pem)
        context.load_cert_chain(cert_path, key_path)
    return context
