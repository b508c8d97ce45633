"""Django settings for the unit tests (one configuration per process) and a small capturing collector."""

import gzip
import json
import logging
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


def configure_django():
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            BASE_DIR=HERE,
            SECRET_KEY="alerts-django-unit-tests",
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF="testproject.urls",
            MIDDLEWARE=["alerts_django.middleware.BrokenLinkMiddleware"],
            INSTALLED_APPS=[],
            ADMINS=[],
            USE_TZ=True,
        )
        import django

        django.setup()
    # The client's complaints (collector down, on purpose) are asserted with assertLogs, not printed.
    client_logger = logging.getLogger("alerts_django")
    client_logger.addHandler(logging.NullHandler())
    client_logger.propagate = False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """A stand-in for the Alerts collector on a free loopback port: records every post, answers `status`."""

    def __init__(self, status=202):
        self.status = status
        self.posts = []
        self.received = threading.Condition()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                with collector.received:
                    collector.posts.append({"path": self.path, "headers": dict(self.headers), "event": json.loads(body)})
                    collector.received.notify_all()
                answer = b'{"id":"0123456789abcdef0123456789abcdef"}' if collector.status < 300 else b'{"title":"refused"}'
                self.send_response(collector.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def dsn(self, key="testkey"):
        return "http://%s@127.0.0.1:%d/1" % (key, self.port)
