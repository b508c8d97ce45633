"""Native API events (POST /api/v1/events) built from Django requests, log records and tracebacks.

Pure functions: nothing here does I/O beyond reading source lines for the traceback. Scrubbing is
Django's own: the exception reporter filter the request would use (SafeExceptionReporterFilter by
default, DEFAULT_EXCEPTION_REPORTER_FILTER or request.exception_reporter_filter otherwise) hides
@sensitive_variables, @sensitive_post_parameters and META entries named like secrets; on top of it,
headers named like AUTH or COOKIE are hidden too (Django 3.2's rule does not name them).
"""

import datetime
import linecache
import os
import re
import sysconfig

from django.views.debug import get_exception_reporter_filter

SUBSTITUTE = "********************"
SENSITIVE_NAME = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|COOKIE", re.I)

MAX_FRAMES = 250  # the collector's limit per exception
MAX_CAUSES = 10
MAX_TEXT = 8 * 1024
MAX_VAR = 4096  # Django's technical 500 page trims variables at this length too
MAX_VARS = 50
MAX_HEADER = 2048
CONTEXT_LINES = 5


def timestamp(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def common(options):
    """The fields every event carries."""
    return _without_none({
        "timestamp": timestamp(),
        "environment": options.environment,
        "release": options.release,
        "serverName": options.server_name,
    })


def broken_link_event(request, options):
    """A 404 whose request carried a Referer."""
    event = common(options)
    event["kind"] = "broken_link"
    event["request"] = _without_none({
        "url": absolute_url(request),
        "method": request.method,
        "referrer": request.META.get("HTTP_REFERER", ""),
        "userAgent": request.META.get("HTTP_USER_AGENT"),
        "remoteAddr": request.META.get("REMOTE_ADDR"),
    })
    return event


def error_event(record, options, base_dir=None):
    """An error from a log record (django.request's "Internal Server Error: /path", with exc_info and request)."""
    request = getattr(record, "request", None)
    if not hasattr(request, "META"):
        request = None  # a record from elsewhere may carry a socket or nothing at all
    reporter_filter = get_exception_reporter_filter(request)
    event = common(options)
    event.update({
        "kind": "error",
        "level": record.levelname.lower(),
        "logger": record.name,
        "message": _trim(record.getMessage(), MAX_TEXT),
    })
    if record.args:
        event["messageTemplate"] = _trim(str(record.msg), MAX_TEXT)
    if record.exc_info and record.exc_info[1] is not None:
        chain = exception_chain(record.exc_info[1])
        mapped = [exception_info(e, request, reporter_filter, base_dir) for e in chain]
        for i, mapped_cause in enumerate(mapped[:-1]):
            mapped_cause["chaining"] = chaining(chain[i], chain[i + 1])
        event["exception"] = mapped[-1]
        if len(mapped) > 1:
            event["causes"] = mapped[:-1]
    if request is not None:
        event["request"] = request_info(request, reporter_filter)
    return event


def exception_chain(exc_value):
    """The exception and what led to it (__cause__, or __context__ unless suppressed), oldest first, as Django walks it."""
    chain = []
    while exc_value is not None and exc_value not in chain and len(chain) <= MAX_CAUSES:
        chain.append(exc_value)
        explicit = getattr(exc_value, "__cause__", None)
        implicit = None if getattr(exc_value, "__suppress_context__", False) else getattr(exc_value, "__context__", None)
        exc_value = explicit or implicit
    chain.reverse()
    return chain


def chaining(cause, raised):
    """How `raised` came from `cause`, as Python's traceback words it: "cause" (raise ... from) or "context" (while handling)."""
    return "cause" if raised.__cause__ is cause else "context"


def exception_info(exc_value, request, reporter_filter, base_dir):
    exc_type = type(exc_value)
    return _without_none({
        "type": exc_type.__qualname__,
        "value": _trim(_safe_str(exc_value), MAX_TEXT),
        "module": exc_type.__module__,
        "frames": frames(exc_value.__traceback__, request, reporter_filter, base_dir),
    })


def frames(tb, request, reporter_filter, base_dir):
    """The traceback's frames, oldest call first, as Python prints them; __traceback_hide__ frames are left out."""
    result = []
    while tb is not None:
        frame = tb.tb_frame
        if not frame.f_locals.get("__traceback_hide__"):
            result.append(frame_info(frame, tb.tb_lineno, request, reporter_filter, base_dir))
        tb = tb.tb_next
    if len(result) > MAX_FRAMES:
        # Keep the start of the call chain and, above all, the end where it failed.
        result = result[:50] + result[-(MAX_FRAMES - 50):]
    return result


def frame_info(frame, lineno, request, reporter_filter, base_dir):
    code = frame.f_code
    abs_path = os.path.abspath(code.co_filename) if code.co_filename else ""
    in_app = is_in_app(abs_path, base_dir)
    info = {
        "filename": _relative(abs_path, base_dir) if in_app else (abs_path or code.co_filename),
        "function": code.co_name,
        "lineno": lineno,
        "module": frame.f_globals.get("__name__"),
        "inApp": in_app,
    }
    context_line = linecache.getline(code.co_filename, lineno, frame.f_globals).rstrip("\r\n")
    if context_line:
        info["contextLine"] = context_line
        info["preContext"] = [
            linecache.getline(code.co_filename, n, frame.f_globals).rstrip("\r\n")
            for n in range(max(1, lineno - CONTEXT_LINES), lineno)
        ]
        post = [linecache.getline(code.co_filename, n, frame.f_globals) for n in range(lineno + 1, lineno + 1 + CONTEXT_LINES)]
        info["postContext"] = [line.rstrip("\r\n") for line in post if line]
    variables = {}
    for name, value in reporter_filter.get_traceback_frame_variables(request, frame):
        if len(variables) == MAX_VARS:
            break
        variables[str(name)] = value if value == SUBSTITUTE else _trim(_safe_repr(value), MAX_VAR)
    if variables:
        info["vars"] = variables
    return _without_none(info)


_LIBRARY_DIRS = ("site-packages", "dist-packages")
_STDLIB = os.path.abspath(sysconfig.get_paths().get("stdlib", "/nonexistent"))


def is_in_app(abs_path, base_dir):
    """The app's own code: under BASE_DIR and not in an installed package (a virtualenv inside the project included)."""
    if not abs_path:
        return False
    parts = abs_path.replace("\\", "/").split("/")
    if any(d in parts for d in _LIBRARY_DIRS):
        return False
    if base_dir:
        base = os.path.abspath(str(base_dir))
        return abs_path == base or abs_path.startswith(base.rstrip(os.sep) + os.sep)
    return not abs_path.startswith(_STDLIB + os.sep)


def request_info(request, reporter_filter):
    info = {
        "url": absolute_url(request),
        "method": request.method,
        "referrer": request.META.get("HTTP_REFERER"),
        "userAgent": request.META.get("HTTP_USER_AGENT"),
        "remoteAddr": request.META.get("REMOTE_ADDR"),
        "headers": headers(reporter_filter.get_safe_request_meta(request)),
    }
    data = post_data(request, reporter_filter)
    if data:
        info["data"] = data
    return _without_none(info)


def headers(safe_meta):
    """HTTP headers from a (filtered) request.META: HTTP_X_API_KEY becomes X-Api-Key; secrets by name are hidden."""
    result = {}
    for key, value in safe_meta.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        name = "-".join(part.capitalize() for part in name.split("_"))
        if value != SUBSTITUTE and SENSITIVE_NAME.search(name):
            value = SUBSTITUTE
        result[name] = _trim(str(value), MAX_HEADER)
    return result


def post_data(request, reporter_filter):
    """Form fields of a POST, with @sensitive_post_parameters hidden by the filter; None for other bodies."""
    if request.method != "POST" or request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    try:
        params = reporter_filter.get_post_parameters(request)
    except Exception:  # an unreadable or oversized body must not stop the report
        return None
    result = {}
    for key in params:
        value = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        value = [SUBSTITUTE if SENSITIVE_NAME.search(key) else _trim(str(v), MAX_TEXT) for v in value]
        result[key] = value[0] if len(value) == 1 else value
    return result


def absolute_url(request):
    try:
        return request.build_absolute_uri()
    except Exception:  # DisallowedHost: the path is still worth reporting
        return request.get_full_path()


def _relative(abs_path, base_dir):
    return os.path.relpath(abs_path, os.path.abspath(str(base_dir))).replace(os.sep, "/") if base_dir else abs_path


def _safe_repr(value):
    try:
        return repr(value)
    except Exception as e:
        return "<unprintable %s object: %r>" % (type(value).__name__, e)


def _safe_str(value):
    try:
        return str(value)
    except Exception:
        return _safe_repr(value)


def _trim(text, limit):
    if text is None or len(text) <= limit:
        return text
    return "%s… <trimmed %d characters>" % (text[:limit], len(text) - limit)


def _without_none(d):
    return {k: v for k, v in d.items() if v is not None}
