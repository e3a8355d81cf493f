"""A throwaway certificate authority and a server certificate for loopback, made with trustme.

The real SDK only speaks https/wss, so the server must serve TLS that a client can be told to
trust: Node reads the CA from ``NODE_EXTRA_CA_CERTS``, Python from an ``ssl`` context.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Tls:
    context: ssl.SSLContext
    ca_file: Path
    """PEM of the CA a client must trust."""

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_tls(folder: Path) -> Tls:
    """Create a CA and a certificate for 127.0.0.1, ::1 and localhost; write the CA to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="ringcheck mock call server")
    cert = ca.issue_cert("127.0.0.1", "::1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = folder / "ringcheck-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(context, ca_file)
