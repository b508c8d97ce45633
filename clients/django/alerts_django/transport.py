"""Posting events: a bounded queue and one background thread per process, urllib with a short timeout.

Reporting never blocks or breaks the request: ``Transport.send`` only puts the event on the queue and,
when the queue is full (the service slow or down for a while), drops the new event and counts it. A
failed post (no connection, timeout, 5xx, 429) pauses the thread, from one second doubling up to a
minute (or the service's Retry-After), so an outage costs one attempt per pause, not one per event;
an event is given up after three failed posts. Problems are logged once each on the ``alerts_django``
logger, never on the logger the handler listens to.
"""

import atexit
import gzip
import http.client
import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request

logger = logging.getLogger("alerts_django")

FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 60.0
MAX_ATTEMPTS = 3
SHUTDOWN_TIMEOUT = 2.0
USER_AGENT = "alerts-django/0.1"

SENT, REFUSED, TRANSIENT = "sent", "refused", "transient"


class Transport:
    def __init__(self, target, queue_size=1000, timeout=2.0, compress=True):
        self.target = target
        self.queue_size = queue_size
        self.timeout = timeout
        self.compress = compress
        self.sent = self.dropped = self.failed = self.send_errors = 0
        self._lock = threading.Lock()
        self._queue = None
        self._thread = None
        self._pid = None
        self._last_problem = None

    # --- the request's side: never blocks -------------------------------------------------------

    def send(self, event):
        """Queues the event; False when the queue was full and the event was dropped."""
        q = self._started()
        try:
            q.put_nowait(event)
            return True
        except queue.Full:
            with self._lock:
                self.dropped += 1
            return False

    def pending(self):
        """Events queued or being posted."""
        q = self._queue
        return q.unfinished_tasks if q is not None else 0

    def flush(self, timeout=SHUTDOWN_TIMEOUT):
        """Waits until every queued event is posted or given up; False when time ran out first."""
        q = self._queue
        if q is None:
            return True
        deadline = time.monotonic() + timeout
        with q.all_tasks_done:
            while q.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                q.all_tasks_done.wait(remaining)
        return True

    def _started(self):
        # After a fork (gunicorn --preload, multiprocessing) the parent's thread does not exist here: start anew.
        pid = os.getpid()
        if self._pid != pid:
            with self._lock:
                if self._pid != pid:
                    self._queue = queue.Queue(maxsize=self.queue_size)
                    self._thread = threading.Thread(target=self._run, name="alerts-django-sender", daemon=True)
                    self._thread.start()
                    self._pid = pid
        return self._queue

    # --- the sender thread ------------------------------------------------------------------------

    def _run(self):
        q = self._queue
        retry_delay = 0.0
        while True:
            event = q.get()
            try:
                body = self._encode(event)
                attempts = 0
                while body is not None:
                    outcome, problem, retry_after = self._post(body)
                    if outcome == SENT:
                        with self._lock:
                            self.sent += 1
                        retry_delay = 0.0
                        self._recovered()
                        break
                    if outcome == REFUSED:
                        with self._lock:
                            self.failed += 1
                        self._problem(problem)
                        break
                    attempts += 1
                    with self._lock:
                        self.send_errors += 1
                    self._problem(problem)
                    retry_delay = min(max(retry_delay * 2 or FIRST_RETRY_DELAY, retry_after or 0), MAX_RETRY_DELAY)
                    if attempts >= MAX_ATTEMPTS:
                        with self._lock:
                            self.failed += 1
                        time.sleep(retry_delay)
                        break
                    time.sleep(retry_delay)
            except Exception:  # the thread must survive anything one event does
                logger.warning("Alerts: could not send an event", exc_info=True)
                with self._lock:
                    self.failed += 1
            finally:
                q.task_done()

    def _encode(self, event):
        try:
            body = json.dumps(event, default=str, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError) as e:
            with self._lock:
                self.failed += 1
            self._problem("could not serialize an event (%s)" % e)
            return None
        return gzip.compress(body, compresslevel=1) if self.compress else body

    def _post(self, body):
        url, key = self.target
        headers = {"Content-Type": "application/json", "X-Alerts-Key": key, "User-Agent": USER_AGENT}
        if self.compress:
            headers["Content-Encoding"] = "gzip"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read(1024)
            return SENT, None, None
        except urllib.error.HTTPError as e:
            detail = _detail(e)
            if e.code in (408, 429) or e.code >= 500:
                return TRANSIENT, "%s answered %d: %s" % (url, e.code, detail), _retry_after(e)
            return REFUSED, "%s refused an event with %d: %s" % (url, e.code, detail), None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            return TRANSIENT, "cannot reach %s: %s" % (url, getattr(e, "reason", e)), None

    def _problem(self, problem):
        if problem != self._last_problem:
            self._last_problem = problem
            logger.warning(
                "Alerts: %s. Events wait in a queue of %d; when it is full new ones are dropped (%d so far).",
                problem, self.queue_size, self.dropped,
            )

    def _recovered(self):
        if self._last_problem is not None:
            self._last_problem = None
            logger.info("Alerts: the service accepts events again (%d dropped, %d given up so far).", self.dropped, self.failed)


def _detail(error):
    try:
        return error.read(512).decode("utf-8", "replace").replace("\n", " ")
    except Exception:
        return str(error.reason)


def _retry_after(error):
    try:
        return float(error.headers.get("Retry-After", ""))
    except (TypeError, ValueError):
        return None


# --- the process's transport, made from settings on first use ---------------------------------------

_transport = None
_options = None
_configured = False
_lock = threading.Lock()


def get_transport():
    """The transport the ALERTS_* settings describe; None when reporting is not configured (said once)."""
    global _transport, _options, _configured
    if not _configured:
        with _lock:
            if not _configured:
                from django.conf import settings
                from django.core.exceptions import ImproperlyConfigured

                from alerts_django.conf import options_from

                try:
                    _options = options_from(settings)
                except ImproperlyConfigured as e:
                    logger.error("Alerts: %s Errors and broken links are not reported.", e)
                else:
                    if _options.target is None:
                        logger.warning("Alerts: neither ALERTS_DSN nor ALERTS_URL is set; errors and broken links are not reported.")
                    else:
                        _transport = Transport(_options.target, _options.queue_size, _options.timeout, _options.compress)
                        atexit.register(_transport.flush, SHUTDOWN_TIMEOUT)
                _configured = True
    return _transport


def get_options():
    """The ALERTS_* settings as read with the transport (environment, release, server name)."""
    get_transport()
    return _options


def flush(timeout=SHUTDOWN_TIMEOUT):
    """Waits until queued events are posted (for scripts, management commands and tests); False on timeout."""
    return _transport.flush(timeout) if _transport is not None else True


def reset():
    """Forgets the transport so the next event reads the settings again (tests that change them)."""
    global _transport, _options, _configured
    with _lock:
        _transport, _options, _configured = None, None, False
