"""Shared fixtures: the Chaoyang graph is compiled once per session."""
import shutil
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def chaoyang_build():
    """The default build: (graph, notes) of data/chaoyang with the reference chains."""
    from chainkg.build import build

    result = build()
    return result


@pytest.fixture(scope="session")
def chaoyang(chaoyang_build):
    return chaoyang_build.graph


@pytest.fixture(scope="session")
def chaoyang_file(tmp_path_factory, chaoyang):
    """The Chaoyang graph written once as Turtle, for tests that load a file into a store or server."""
    from chainkg.build import serialize

    path = tmp_path_factory.mktemp("chaoyang") / "chaoyang.ttl"
    path.write_bytes(serialize(chaoyang))
    return path


@pytest.fixture
def dataset(tmp_path):
    """A private copy of the Chaoyang dataset that a test may break."""
    target = tmp_path / "chaoyang"
    shutil.copytree(ROOT / "data" / "chaoyang", target)
    return target


class RequestListener:
    """A local HTTP listener that records every request it gets (``hits``, the paths) and every
    connection made to it (``connections``, even one that never sends a request)."""

    def __init__(self):
        hits = self.hits = []
        connections = self.connections = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                body = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        class Server(HTTPServer):
            def verify_request(self, request, client_address):
                connections.append(client_address)
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    """A local HTTP listener on 127.0.0.1 recording every request: proves that nothing reaches it."""
    lst = RequestListener()
    yield lst
    lst.close()
