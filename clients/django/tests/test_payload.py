"""Payload building: DSNs, tracebacks (frames, in-app, context, causes), Django's scrubbing, requests."""

import json
import logging
import sys
import unittest

from support import HERE, configure_django

configure_django()

from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.test import RequestFactory, SimpleTestCase, override_settings  # noqa: E402
from django.utils import dateparse  # noqa: E402
from django.views.debug import SafeExceptionReporterFilter  # noqa: E402
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables  # noqa: E402

from alerts_django import payload  # noqa: E402
from alerts_django.conf import Options, Target, events_url_under, parse_dsn, target_from  # noqa: E402

HIDDEN = payload.SUBSTITUTE
OPTIONS = Options(Target("http://127.0.0.1:1/api/v1/events", "k"), "test", "1.4.2", "web-1", 2.0, 10, True)


class DsnTests(unittest.TestCase):
    def test_valid_dsns_give_the_events_url_and_key(self):
        cases = [
            ("http://key1@127.0.0.1:8080/1", "http://127.0.0.1:8080/api/v1/events", "key1"),
            ("https://pub:secret@alerts.example.com/42", "https://alerts.example.com/api/v1/events", "pub"),
            ("https://k@alerts.example.com/prefix/7/", "https://alerts.example.com/prefix/api/v1/events", "k"),
        ]
        for dsn, url, key in cases:
            with self.subTest(dsn=dsn):
                self.assertEqual(parse_dsn(dsn), Target(url, key))

    def test_invalid_dsns_say_what_is_missing(self):
        cases = [
            ("ftp://k@host/1", r"http\(s\)"),
            ("http://host:8080/1", "key"),
            ("http://k@host/", "project id"),
            ("http://k@host/shop", "project id"),
            ("", r"http\(s\)"),
        ]
        for dsn, reason in cases:
            with self.subTest(dsn=dsn):
                with self.assertRaisesRegex(ValueError, reason):
                    parse_dsn(dsn)

    def test_url_and_key_are_an_alternative_to_the_dsn(self):
        self.assertEqual(events_url_under("https://alerts.example.com"), "https://alerts.example.com/api/v1/events")
        self.assertEqual(events_url_under("https://alerts.example.com/api/v1/events"), "https://alerts.example.com/api/v1/events")

    def test_settings_name_one_target_or_none(self):
        class S:
            pass

        none, both, url_only, url_key = S(), S(), S(), S()
        both.ALERTS_DSN, both.ALERTS_URL = "http://k@h/1", "http://h/"
        url_only.ALERTS_URL = "http://h/"
        url_key.ALERTS_URL, url_key.ALERTS_KEY = "http://h:5000", "k2"
        self.assertIsNone(target_from(none))
        with self.assertRaisesRegex(ImproperlyConfigured, "not both"):
            target_from(both)
        with self.assertRaisesRegex(ImproperlyConfigured, "ALERTS_KEY"):
            target_from(url_only)
        self.assertEqual(target_from(url_key), Target("http://h:5000/api/v1/events", "k2"))


def divide(total, lines):
    return total / lines


def order_total(lines):
    try:
        return divide(42, lines)
    except ZeroDivisionError as e:
        raise ValueError("order has no lines") from e


@sensitive_variables("card_number")
def charge(card_number):
    amount = 10
    raise RuntimeError("card declined")


def pay():
    return charge("4111" + "1111" * 3)  # no local holds the number here


def record_for(exc, request=None, msg="Internal Server Error: %s", args=("/orders/17/",)):
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, msg, args, (type(exc), exc, exc.__traceback__))
    if request is not None:
        record.request = request
    return record


def raised(function, *args):
    try:
        function(*args)
    except Exception as e:
        return e
    raise AssertionError("%s did not raise" % function.__name__)


class ErrorEventTests(SimpleTestCase):
    def test_exception_and_its_cause_oldest_first(self):
        event = payload.error_event(record_for(raised(order_total, 0)), OPTIONS, HERE)

        self.assertEqual(event["kind"], "error")
        self.assertEqual(event["level"], "error")
        self.assertEqual(event["message"], "Internal Server Error: /orders/17/")
        self.assertEqual(event["messageTemplate"], "Internal Server Error: %s")
        self.assertEqual((event["exception"]["type"], event["exception"]["value"]), ("ValueError", "order has no lines"))
        cause = event["causes"][0]
        self.assertEqual((cause["type"], cause["module"], cause["value"]), ("ZeroDivisionError", "builtins", "division by zero"))
        self.assertEqual([f["function"] for f in cause["frames"]], ["order_total", "divide"])
        self.assertEqual(cause["chaining"], "cause")
        self.assertEqual(event["environment"], "test")
        self.assertEqual(event["release"], "1.4.2")
        self.assertEqual(event["serverName"], "web-1")
        self.assertRegex(event["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        json.dumps(event)  # what the transport posts

    def test_implicit_chaining_is_context(self):
        def restock():
            try:
                {}["sku"]
            except KeyError:
                raise LookupError("no stock level")

        event = payload.error_event(record_for(raised(restock)), OPTIONS, HERE)

        self.assertEqual(event["causes"][0]["type"], "KeyError")
        self.assertEqual(event["causes"][0]["chaining"], "context")

    def test_frames_carry_file_line_module_and_source(self):
        event = payload.error_event(record_for(raised(divide, 1, 0)), OPTIONS, HERE)

        frame = event["exception"]["frames"][-1]
        self.assertEqual(frame["filename"], "test_payload.py")
        self.assertEqual(frame["function"], "divide")
        self.assertEqual(frame["module"], "test_payload")
        self.assertEqual(frame["contextLine"].strip(), "return total / lines")
        self.assertEqual(frame["preContext"][-1].strip(), "def divide(total, lines):")
        self.assertTrue(frame["inApp"])
        self.assertEqual(frame["vars"], {"total": "1", "lines": "0"})

    def test_library_frames_are_not_in_app(self):
        exc = raised(dateparse.parse_date, object())  # fails inside Django's own code

        frames = payload.error_event(record_for(exc), OPTIONS, HERE)["exception"]["frames"]

        self.assertTrue(frames[0]["inApp"])  # raised() in this file
        self.assertFalse(frames[-1]["inApp"])
        self.assertTrue(frames[-1]["module"].startswith("django."))
        self.assertTrue(frames[-1]["filename"].endswith("django/utils/dateparse.py"))

    def test_in_app_means_under_base_dir_and_not_an_installed_package(self):
        cases = [
            ("/srv/shop/orders/views.py", "/srv/shop", True),
            ("/srv/shop/.venv/lib/python3.11/site-packages/rest_framework/views.py", "/srv/shop", False),
            ("/usr/lib/python3/dist-packages/django/core/handlers/base.py", "/srv/shop", False),
            ("/srv/shopfront/views.py", "/srv/shop", False),
            ("/srv/other/views.py", "/srv/shop", False),
        ]
        for path, base, expected in cases:
            with self.subTest(path=path):
                self.assertEqual(payload.is_in_app(path, base), expected)

    def test_sensitive_variables_are_hidden_by_djangos_filter(self):
        frames = payload.error_event(record_for(raised(pay)), OPTIONS, HERE)["exception"]["frames"]

        charge_frame = next(f for f in frames if f["function"] == "charge")
        self.assertEqual(charge_frame["vars"]["card_number"], HIDDEN)
        self.assertEqual(charge_frame["vars"]["amount"], "10")
        self.assertNotIn("4111111111111111", json.dumps(frames))

    def test_request_is_reported_with_secret_headers_hidden(self):
        request = RequestFactory().get(
            "/orders/17/?page=2",
            HTTP_AUTHORIZATION="Bearer abc",
            HTTP_COOKIE="sessionid=s1",
            HTTP_X_API_KEY="k1",
            HTTP_ACCEPT="text/html",
            HTTP_REFERER="http://testserver/orders/",
            HTTP_USER_AGENT="Mozilla/5.0",
            REMOTE_ADDR="203.0.113.9",
        )

        r = payload.error_event(record_for(raised(divide, 1, 0), request), OPTIONS, HERE)["request"]

        self.assertEqual(r["url"], "http://testserver/orders/17/?page=2")
        self.assertEqual(r["method"], "GET")
        self.assertEqual(r["referrer"], "http://testserver/orders/")
        self.assertEqual(r["userAgent"], "Mozilla/5.0")
        self.assertEqual(r["remoteAddr"], "203.0.113.9")
        for name in ("Authorization", "Cookie", "X-Api-Key"):
            self.assertEqual(r["headers"][name], HIDDEN, name)
        self.assertEqual(r["headers"]["Accept"], "text/html")

    def test_sensitive_post_parameters_are_hidden(self):
        request = RequestFactory().post("/login/", {"username": "ada", "password": "s3cret", "csrfmiddlewaretoken": "t"})
        sensitive_post_parameters("password")(lambda r: None)(request)

        r = payload.error_event(record_for(raised(divide, 1, 0), request), OPTIONS, HERE)["request"]

        self.assertEqual(r["data"], {"username": "ada", "password": HIDDEN, "csrfmiddlewaretoken": HIDDEN})

    def test_a_record_without_exception_reports_its_message(self):
        record = logging.LogRecord("shop.payments", logging.CRITICAL, __file__, 1, "Payment %s failed", ("17",), None)

        event = payload.error_event(record, OPTIONS, HERE)

        self.assertEqual((event["message"], event["messageTemplate"], event["level"]), ("Payment 17 failed", "Payment %s failed", "critical"))
        self.assertNotIn("exception", event)
        self.assertNotIn("request", event)

    def test_deep_recursion_keeps_the_collectors_frame_limit(self):
        def down(n):
            return down(n - 1) if n else 1 / 0

        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 1000))
        try:
            frames = payload.error_event(record_for(raised(down, 400)), OPTIONS, HERE)["exception"]["frames"]
        finally:
            sys.setrecursionlimit(limit)
        self.assertEqual(len(frames), payload.MAX_FRAMES)
        self.assertEqual(frames[-1]["contextLine"].strip(), "return down(n - 1) if n else 1 / 0")


class BrokenLinkEventTests(SimpleTestCase):
    def test_a_referred_404_names_the_url_and_the_referrer(self):
        request = RequestFactory().get(
            "/catalogue/winter-2019/", HTTP_REFERER="http://testserver/", HTTP_USER_AGENT="Mozilla/5.0", REMOTE_ADDR="203.0.113.9"
        )

        event = payload.broken_link_event(request, OPTIONS)

        self.assertEqual(event["kind"], "broken_link")
        self.assertEqual(
            event["request"],
            {
                "url": "http://testserver/catalogue/winter-2019/",
                "method": "GET",
                "referrer": "http://testserver/",
                "userAgent": "Mozilla/5.0",
                "remoteAddr": "203.0.113.9",
            },
        )

    @override_settings(ALLOWED_HOSTS=["shop.example.com"])
    def test_a_disallowed_host_still_reports_the_path(self):
        request = RequestFactory().get("/old/", HTTP_REFERER="http://evil.example/", HTTP_HOST="evil.example")

        self.assertEqual(payload.broken_link_event(request, OPTIONS)["request"]["url"], "/old/")


if __name__ == "__main__":
    unittest.main()
