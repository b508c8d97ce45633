"""Drives the test project in-process (django.test.Client): an error and a broken internal link.

Run with Debian's Django and ALERTS_DSN pointing at an Alerts service:
    ALERTS_DSN=http://KEY@127.0.0.1:PORT/1 /usr/bin/python3 clients/django/tests/run.py
Exits 0 when the app answered its own 500 and 404 and both events were posted.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # testproject, alerts_django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

import alerts_django  # noqa: E402
from alerts_django import transport  # noqa: E402

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def main():
    if not os.environ.get("ALERTS_DSN"):
        print("ALERTS_DSN is not set", file=sys.stderr)
        return 2
    client = Client(raise_request_exception=False, HTTP_USER_AGENT=BROWSER)
    failures = []

    error = client.get("/orders/17/")
    print("GET /orders/17/ -> %d" % error.status_code)
    if error.status_code != 500:
        failures.append("the failing view answered %d, not 500" % error.status_code)

    broken = client.get("/catalogue/winter-2019/", HTTP_REFERER="http://testserver/")
    print("GET /catalogue/winter-2019/ (Referer http://testserver/) -> %d" % broken.status_code)
    if broken.status_code != 404:
        failures.append("the missing page answered %d, not 404" % broken.status_code)

    plain = client.get("/no-such-page/")
    print("GET /no-such-page/ (no Referer) -> %d" % plain.status_code)

    flushed = alerts_django.flush(timeout=15)
    sender = transport.get_transport()
    print("sent=%d dropped=%d failed=%d send_errors=%d" % (sender.sent, sender.dropped, sender.failed, sender.send_errors))
    if not flushed:
        failures.append("events were still queued after 15 s")
    if sender.sent != 2:
        failures.append("%d events were posted, not 2 (the error and the broken link)" % sender.sent)
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
