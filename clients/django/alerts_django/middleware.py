"""BrokenLinkMiddleware: a drop-in for django.middleware.common.BrokenLinkEmailsMiddleware."""

import logging

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

from alerts_django import payload, transport

logger = logging.getLogger("alerts_django")


class BrokenLinkMiddleware(MiddlewareMixin):
    """Reports every 404 whose request carried a Referer (when DEBUG is off, as Django does).

    Which of them are ignorable is decided by the Alerts service, not here: it applies Django's
    is_ignorable_request rules (APPEND_SLASH redirects, search engines, bots linking to themselves,
    Ignorable404Urls) plus scanner noise, so the rules live in one place for every app, and an ignored
    404 is still counted and shown in the Dashboard with the rule that ignored it. Move
    IGNORABLE_404_URLS to the service's Alerts:Ignorable404Urls (global or per project).
    """

    def process_response(self, request, response):
        if response.status_code == 404 and not settings.DEBUG and request.META.get("HTTP_REFERER"):
            try:
                sender = transport.get_transport()
                if sender is not None:
                    sender.send(payload.broken_link_event(request, transport.get_options()))
            except Exception:  # never turn the app's 404 into a 500
                logger.warning("Alerts: could not report a broken link to %s", request.path, exc_info=True)
        return response
