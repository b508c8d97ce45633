"""A one-file Django shop reporting through the official Python Sentry SDK (Debian's python3-sentry-sdk).

Run with Debian's Python, Django and sentry_sdk:
    SENTRY_DSN=http://KEY@127.0.0.1:PORT/1 /usr/bin/python3 shop.py SCENARIO...
Each scenario makes one real HTTP request to the shop, served by Django's WSGI handler (wsgiref) on a free
loopback port, so the SDK's Django and WSGI integrations report it exactly as in production. Scenarios:
    error     GET /orders/17/?x=1 with session, CSRF and theme cookies: ZeroDivisionError in the view
    post      POST /orders/17/pay/ with a form: KeyError in the view
    implicit  GET /stock/3/: an exception raised while handling another (Python's __context__)
    explicit  GET /stock/4/: raise ... from ... (Python's __cause__)
    warning   GET /slow/: a warning logged through logging (below Django's ERROR)
Exits 0 when every request answered as expected and the SDK flushed.
"""

import logging
import os
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

SESSION_COOKIE = "sessionid=s3ss10n-v4lu3-do-not-mail; csrftoken=csrf-t0k3n-do-not-mail; theme=dark"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

settings.configure(
    DEBUG=False,
    SECRET_KEY="python-sentry-tests-not-secret",
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[__name__ + ".SignedInUser"],
    USE_TZ=True,
    LOGGING_CONFIG=None,
)


class ShopUser:
    """Stands in for django.contrib.auth's user (no database here): what the SDK reads from request.user."""

    is_authenticated = True
    pk = 42
    email = "grace@shop.example.com"

    def get_username(self):
        return "grace"


class SignedInUser:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = ShopUser()
        return self.get_response(request)


def order_detail(request, order_id):
    lines = 0
    card_password = "hunter2-do-not-mail"
    note = "gift wrap"
    return django.http.HttpResponse("%.2f per line" % (order_id / lines))


def pay(request, order_id):
    amount = request.POST["amount"]
    return django.http.HttpResponse(request.POST["coupon"] + amount)


def stock(request, item_id):
    levels = {1: 10}
    try:
        return django.http.HttpResponse(str(levels[item_id]))
    except KeyError as missing:
        if item_id == 4:
            raise ValueError("stock level for item %d is unknown" % item_id) from missing
        raise LookupError("no stock level for item %d" % item_id)


def slow(request):
    logging.getLogger("shop.orders").warning("Order export took %d s", 31)
    return django.http.HttpResponse("ok")


from django.urls import path  # noqa: E402

urlpatterns = [
    path("orders/<int:order_id>/", order_detail),
    path("orders/<int:order_id>/pay/", pay),
    path("stock/<int:item_id>/", stock),
    path("slow/", slow),
]

SCENARIOS = {
    "error": ("GET", "/orders/17/?x=1", None, 500),
    "post": ("POST", "/orders/17/pay/", {"amount": "12.50", "card_number": "4111111111111111", "password": "pw-do-not-mail"}, 500),
    "implicit": ("GET", "/stock/3/", None, 500),
    "explicit": ("GET", "/stock/4/", None, 500),
    "warning": ("GET", "/slow/", None, 200),
}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def request(base, method, target, form):
    body = urllib.parse.urlencode(form).encode() if form else None
    req = urllib.request.Request(base + target, data=body, method=method)
    req.add_header("Cookie", SESSION_COOKIE)
    req.add_header("User-Agent", BROWSER)
    req.add_header("Accept-Language", "en-GB")
    req.add_header("X-Api-Key", "k3y-do-not-mail")
    if body:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main(names):
    if not os.environ.get("SENTRY_DSN"):
        print("SENTRY_DSN is not set", file=sys.stderr)
        return 2
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        print("scenarios: " + ", ".join(SCENARIOS), file=sys.stderr)
        return 2
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        environment="production",
        release="shop@2.0.1",
        send_default_pii=True,
        integrations=[DjangoIntegration(transaction_style="url"), LoggingIntegration(event_level=logging.WARNING)],
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d" % server.server_port
    failures = []
    for name in names:
        method, target, form, expected = SCENARIOS[name]
        status = request(base, method, target, form)
        print("%s %s -> %d" % (method, target, status))
        if status != expected:
            failures.append("%s answered %d, not %d" % (target, status, expected))
    server.shutdown()
    sentry_sdk.flush(timeout=15)
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
