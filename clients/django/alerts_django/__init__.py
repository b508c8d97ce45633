"""Report Django errors and broken links to an Alerts service.

A drop-in for Django's ADMINS/MANAGERS mail: ``alerts_django.handlers.AlertsHandler`` replaces
``django.utils.log.AdminEmailHandler`` on the ``django.request`` logger, and
``alerts_django.middleware.BrokenLinkMiddleware`` replaces
``django.middleware.common.BrokenLinkEmailsMiddleware``. Only the standard library and Django are used.
"""

from alerts_django.transport import flush

__all__ = ["flush"]
__version__ = "0.1.0"
