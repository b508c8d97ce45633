"""The client's settings, read from django.conf.settings.

ALERTS_DSN            http(s)://KEY@host[:port][/prefix]/PROJECTID (as ``alerts projects add`` prints it)
ALERTS_URL, ALERTS_KEY  instead of a DSN: the service's base URL and the project key
ALERTS_ENVIRONMENT    tags events ("production", "staging"); none by default
ALERTS_RELEASE        tags events with the deployed version; none by default
ALERTS_SERVER_NAME    tags events; the host name by default
ALERTS_TIMEOUT        seconds one post may take, connection included; 2 by default
ALERTS_QUEUE_SIZE     events held while the service is slow or down; 1000 by default
ALERTS_COMPRESS       gzip the posted JSON; True by default
"""

import socket
from collections import namedtuple
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

EVENTS_PATH = "api/v1/events"

Target = namedtuple("Target", "events_url key")

Options = namedtuple(
    "Options", "target environment release server_name timeout queue_size compress"
)


def parse_dsn(dsn):
    """The native API URL and key of a DSN; ValueError says what is wrong with it."""
    parts = urlsplit((dsn or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("it is not an absolute http(s) URL")
    # A Sentry DSN may carry "public:secret" as its user info; the key is the public part.
    key = unquote(parts.username or "")
    if not key:
        raise ValueError("the project key (before '@') is missing")
    path = parts.path.rstrip("/")
    prefix, _, project_id = path.rpartition("/")
    if not project_id.isdigit():
        raise ValueError("the numeric project id (the last path segment) is missing")
    netloc = parts.hostname if parts.port is None else "%s:%d" % (parts.hostname, parts.port)
    if ":" in parts.hostname:  # IPv6 literal
        netloc = "[%s]" % parts.hostname + ("" if parts.port is None else ":%d" % parts.port)
    return Target(urlunsplit((parts.scheme, netloc, prefix + "/" + EVENTS_PATH, "", "")), key)


def events_url_under(url):
    """The events URL under the service's base URL; a URL that already ends in /api/v1/events is kept."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("it is not an absolute http(s) URL")
    path = parts.path.rstrip("/")
    if not path.endswith("/" + EVENTS_PATH):
        path = path + "/" + EVENTS_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def target_from(settings):
    """The Target the settings name, or None when neither ALERTS_DSN nor ALERTS_URL is set."""
    dsn = getattr(settings, "ALERTS_DSN", None)
    url = getattr(settings, "ALERTS_URL", None)
    key = getattr(settings, "ALERTS_KEY", None)
    if dsn and url:
        raise ImproperlyConfigured("Set ALERTS_DSN, or ALERTS_URL with ALERTS_KEY, not both.")
    if dsn:
        try:
            return parse_dsn(dsn)
        except ValueError as e:
            raise ImproperlyConfigured(
                "ALERTS_DSN must look like http(s)://KEY@host[:port]/PROJECTID: %s." % e
            )
    if url:
        if not key:
            raise ImproperlyConfigured("ALERTS_KEY (the project key) is required with ALERTS_URL.")
        try:
            return Target(events_url_under(url), key.strip())
        except ValueError as e:
            raise ImproperlyConfigured("ALERTS_URL %s." % e)
    return None


def options_from(settings):
    """Every ALERTS_* setting, with defaults; target is None when reporting is not configured."""
    timeout = float(getattr(settings, "ALERTS_TIMEOUT", 2.0))
    queue_size = int(getattr(settings, "ALERTS_QUEUE_SIZE", 1000))
    if not 0 < timeout <= 60:
        raise ImproperlyConfigured("ALERTS_TIMEOUT must be more than 0 and at most 60 seconds.")
    if not 0 < queue_size <= 1000000:
        raise ImproperlyConfigured("ALERTS_QUEUE_SIZE must be between 1 and 1000000.")
    return Options(
        target=target_from(settings),
        environment=getattr(settings, "ALERTS_ENVIRONMENT", None),
        release=getattr(settings, "ALERTS_RELEASE", None),
        server_name=getattr(settings, "ALERTS_SERVER_NAME", None) or socket.gethostname(),
        timeout=timeout,
        queue_size=queue_size,
        compress=bool(getattr(settings, "ALERTS_COMPRESS", True)),
    )
