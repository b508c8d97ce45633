"""AlertsHandler: a drop-in for django.utils.log.AdminEmailHandler that reports to Alerts instead of mailing ADMINS."""

import logging

from django.conf import settings

from alerts_django import payload, transport

logger = logging.getLogger("alerts_django")


class AlertsHandler(logging.Handler):
    """Reports ERROR records (django.request's "Internal Server Error: /path") with the traceback and the request.

    Put it where AdminEmailHandler was, on the ``django.request`` logger. AdminEmailHandler's arguments
    (include_html, email_backend, reporter_class) are accepted so the swap is one line; they mean nothing
    here. The event is built on the calling thread (frame variables are read while the frames are
    alive) and posted by a background thread: emit never waits on the network and never raises.
    """

    def __init__(self, include_html=False, email_backend=None, reporter_class=None, level=logging.ERROR):
        super().__init__(level)

    def emit(self, record):
        if record.name == logger.name or record.name.startswith(logger.name + "."):
            return  # the client's own complaints must not loop back into it
        try:
            sender = transport.get_transport()
            if sender is None:
                return
            event = payload.error_event(record, transport.get_options(), getattr(settings, "BASE_DIR", None))
            sender.send(event)
        except Exception:  # as AdminEmailHandler's fail_silently: reporting must not break the request
            logger.warning("Alerts: could not report a log record from %s", record.name, exc_info=True)
