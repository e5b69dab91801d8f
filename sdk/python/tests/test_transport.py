"""Channel security: TLS, mutual TLS and the bearer token.

pactlogd as built for these tests serves plaintext only, so the TLS
handshakes are made against a real gRPC server started here (grpcio's,
with certificates made by the openssl CLI) that answers the health check
and DealQuery.GetDeal and records the metadata it receives. What is tested
is the client's side: the credentials it builds and what it sends.
"""

import concurrent.futures
import pathlib
import shutil
import subprocess
import tempfile
import unittest

import grpc

import pactlog
from pactlog import _health
from pactlog.v1 import query_pb2
from support import ServerTestCase, free_port


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: pathlib.Path) -> None:
    """ca.pem; server.pem/key for localhost; client.pem/key (CN=recorder-1)."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
            "/CN=pactlog test CA", "-keyout", "ca.key", "-out", "ca.pem", cwd=directory)
    (directory / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, subject, ext in (("server", "/CN=localhost", ["-extfile", "server.ext"]),
                               ("client", "/CN=recorder-1", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=directory)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "1", "-out", f"{name}.pem", *ext, cwd=directory)


class RecordingServer:
    """A TLS gRPC server answering Health/Check and DealQuery/GetDeal."""

    def __init__(self, certs: pathlib.Path, require_client_cert: bool):
        self.metadata = []
        self.peer_common_names = []
        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
        self.server.add_generic_rpc_handlers([
            grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
                "Check": grpc.unary_unary_rpc_method_handler(
                    self._check, _health.HealthCheckRequest.FromString,
                    _health.HealthCheckResponse.SerializeToString)}),
            grpc.method_handlers_generic_handler("pactlog.v1.DealQuery", {
                "GetDeal": grpc.unary_unary_rpc_method_handler(
                    self._get_deal, query_pb2.GetDealRequest.FromString,
                    query_pb2.GetDealResponse.SerializeToString)}),
        ])
        credentials = grpc.ssl_server_credentials(
            [((certs / "server.key").read_bytes(), (certs / "server.pem").read_bytes())],
            root_certificates=(certs / "ca.pem").read_bytes(),
            require_client_auth=require_client_cert)
        self.port = free_port()
        self.server.add_secure_port(f"127.0.0.1:{self.port}", credentials)
        self.server.start()

    def _record(self, context):
        self.metadata.append(dict(context.invocation_metadata()))
        auth = context.auth_context()
        self.peer_common_names.append(
            [c.decode() for c in auth.get("x509_common_name", [])])

    def _check(self, request, context):
        self._record(context)
        return _health.HealthCheckResponse(status=_health.SERVING)

    def _get_deal(self, request, context):
        self._record(context)
        response = query_pb2.GetDealResponse(log_sequence=7)
        response.deal.deal_id = request.deal_id
        return response

    def stop(self):
        self.server.stop(None).wait()


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command (Debian: openssl)")
class TlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.certs = pathlib.Path(tempfile.mkdtemp(prefix="pactlog-py-tls-"))
        make_certificates(cls.certs)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs, ignore_errors=True)

    def serve(self, require_client_cert: bool) -> RecordingServer:
        server = RecordingServer(self.certs, require_client_cert)
        self.addCleanup(server.stop)
        return server

    def test_tls_with_root_certificates_and_token(self):
        server = self.serve(require_client_cert=False)
        with pactlog.Client(f"localhost:{server.port}", root_certificates=self.certs / "ca.pem",
                            token="s3cret-token", timeout=5) as client:
            self.assertTrue(client.is_serving())
            response = client.get_deal("us-japan")
        self.assertEqual(response.deal.deal_id, "us-japan")
        self.assertEqual(response.log_sequence, 7)
        # At least the two calls (more if gRPC sent one again); every call
        # carries the token and no client certificate.
        self.assertGreaterEqual(len(server.metadata), 2)
        for metadata in server.metadata:
            self.assertEqual(metadata.get("authorization"), "Bearer s3cret-token")
        self.assertEqual(server.peer_common_names, [[]] * len(server.metadata))

    def test_mutual_tls_presents_the_client_certificate(self):
        server = self.serve(require_client_cert=True)
        pem = (self.certs / "client.pem").read_text()  # PEM text works as well as a path
        with pactlog.Client(f"localhost:{server.port}", root_certificates=self.certs / "ca.pem",
                            certificate_chain=pem, private_key=self.certs / "client.key",
                            timeout=5) as client:
            self.assertTrue(client.is_serving())
        self.assertGreaterEqual(len(server.peer_common_names), 1)
        self.assertEqual(server.peer_common_names,
                         [["recorder-1"]] * len(server.peer_common_names))
        for metadata in server.metadata:
            self.assertNotIn("authorization", metadata)

    def test_without_the_client_certificate_mutual_tls_fails(self):
        server = self.serve(require_client_cert=True)
        with pactlog.Client(f"localhost:{server.port}", root_certificates=self.certs / "ca.pem",
                            timeout=5) as client:
            with self.assertRaises(pactlog.UnavailableError):
                client.is_serving()
        self.assertEqual(server.metadata, [])

    def test_an_untrusted_server_is_refused(self):
        server = self.serve(require_client_cert=False)
        with pactlog.Client(f"localhost:{server.port}", tls=True, timeout=5) as client:
            with self.assertRaises(pactlog.UnavailableError):
                client.is_serving()  # system roots do not know the test CA
        self.assertEqual(server.metadata, [])

    def test_bad_settings_are_refused(self):
        with self.assertRaises(ValueError):
            pactlog.Client("localhost:1", certificate_chain=self.certs / "client.pem")
        with self.assertRaises(ValueError):
            pactlog.Client("localhost:1", root_certificates=self.certs / "missing.pem")
        with self.assertRaises(ValueError):
            pactlog.Client("localhost:1", token="two\nlines")
        with self.assertRaises(ValueError):
            pactlog.Client("localhost:1", timeout=0)


class PlaintextTokenTest(ServerTestCase):
    """The token travels as metadata on plaintext channels too; pactlogd
    without authentication configured ignores it."""

    def test_calls_with_a_token_succeed(self):
        with pactlog.Client(self.server.address, token="t0ken") as client:
            client.wait_until_ready(timeout=10)
            result = client.append(self.new_deal_id(), pactlog.deal_announcement(
                "US-Korea package", "KR", "US", pactlog.usd(350_000_000_000), source="press"))
            self.assertEqual(result.deal_version, 1)


if __name__ == "__main__":
    unittest.main()
