"""Posting: what reaches the collector, refusals, and a collector that is down (bounded, never blocking)."""

import time
import unittest

from support import Collector, configure_django, free_port

configure_django()

from django.test import Client, SimpleTestCase, override_settings  # noqa: E402

from alerts_django import transport  # noqa: E402
from alerts_django.conf import Target  # noqa: E402
from alerts_django.transport import Transport  # noqa: E402

EVENT = {"kind": "error", "message": "Internal Server Error: /orders/17/"}


def events_url(port):
    return "http://127.0.0.1:%d/api/v1/events" % port


class TransportTests(unittest.TestCase):
    def test_posts_gzipped_json_with_the_project_key(self):
        with Collector() as collector:
            sender = Transport(Target(events_url(collector.port), "k1"))

            self.assertTrue(sender.send(EVENT))
            self.assertTrue(sender.flush(10))

        post, = collector.posts
        self.assertEqual(post["path"], "/api/v1/events")
        self.assertEqual(post["headers"]["X-Alerts-Key"], "k1")
        self.assertEqual(post["headers"]["Content-Type"], "application/json")
        self.assertEqual(post["headers"]["Content-Encoding"], "gzip")
        self.assertEqual(post["event"], EVENT)
        self.assertEqual((sender.sent, sender.failed, sender.dropped), (1, 0, 0))

    def test_a_refused_event_is_given_up_without_retrying(self):
        with Collector(status=400) as collector:
            sender = Transport(Target(events_url(collector.port), "k1"), compress=False)

            with self.assertLogs("alerts_django", "WARNING") as logs:
                sender.send(EVENT)
                self.assertTrue(sender.flush(10))

        self.assertEqual(len(collector.posts), 1)
        self.assertEqual((sender.sent, sender.failed), (0, 1))
        self.assertIn("refused an event with 400", logs.output[0])

    def test_collector_down_never_blocks_and_holds_at_most_the_queue(self):
        sender = Transport(Target(events_url(free_port()), "k1"), queue_size=10, timeout=2.0)

        with self.assertLogs("alerts_django", "WARNING") as logs:
            started = time.monotonic()
            accepted = [sender.send(EVENT) for _ in range(100)]  # ten times the queue
            elapsed = time.monotonic() - started
            self.assertFalse(sender.flush(0.5))  # still failing: nothing is posted

        self.assertLess(elapsed, 0.5)
        self.assertLessEqual(sender.pending(), 10 + 1)  # the queue plus the event being posted
        self.assertEqual(sender.dropped, accepted.count(False))
        self.assertGreater(sender.dropped, 0)
        self.assertIn("cannot reach", logs.output[0])


class BrokenLinkMiddlewareTests(SimpleTestCase):
    def tearDown(self):
        transport.reset()

    def test_only_a_404_with_a_referer_is_reported(self):
        with Collector() as collector, override_settings(ALERTS_DSN=collector.dsn("k2")):
            transport.reset()
            client = Client(HTTP_USER_AGENT="Mozilla/5.0")

            self.assertEqual(client.get("/no-such-page/").status_code, 404)
            self.assertEqual(client.get("/catalogue/winter-2019/", HTTP_REFERER="http://testserver/").status_code, 404)
            self.assertEqual(client.get("/", HTTP_REFERER="http://testserver/elsewhere/").status_code, 200)
            self.assertTrue(transport.flush(10))

        post, = collector.posts
        self.assertEqual(post["headers"]["X-Alerts-Key"], "k2")
        self.assertEqual(post["event"]["kind"], "broken_link")
        self.assertEqual(post["event"]["request"]["url"], "http://testserver/catalogue/winter-2019/")
        self.assertEqual(post["event"]["request"]["referrer"], "http://testserver/")

    def test_collector_down_does_not_slow_the_apps_404(self):
        with override_settings(ALERTS_DSN="http://k3@127.0.0.1:%d/1" % free_port()):
            transport.reset()
            client = Client()
            started = time.monotonic()
            for _ in range(20):
                self.assertEqual(client.get("/catalogue/winter-2019/", HTTP_REFERER="http://testserver/").status_code, 404)
            elapsed = time.monotonic() - started

        self.assertLess(elapsed, 2.0)

    @override_settings(DEBUG=True)
    def test_nothing_is_reported_with_debug_on(self):
        with Collector() as collector, override_settings(ALERTS_DSN=collector.dsn()):
            transport.reset()
            Client().get("/catalogue/winter-2019/", HTTP_REFERER="http://testserver/")
            self.assertTrue(transport.flush(10))

        self.assertEqual(collector.posts, [])


if __name__ == "__main__":
    unittest.main()
