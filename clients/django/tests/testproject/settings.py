"""A small Django project that reports to Alerts: ALERTS_DSN comes from the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "alerts-django-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "testproject.urls"
INSTALLED_APPS = []
USE_TZ = True

# ADMINS and MANAGERS now live in the Alerts service; Django mails no one itself.
ADMINS = []
MANAGERS = []

MIDDLEWARE = [
    "alerts_django.middleware.BrokenLinkMiddleware",  # was django.middleware.common.BrokenLinkEmailsMiddleware
    "django.middleware.common.CommonMiddleware",
]

ALERTS_DSN = os.environ.get("ALERTS_DSN")
ALERTS_ENVIRONMENT = "test"
ALERTS_RELEASE = "0.1.0"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        # was {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"}
        "alerts": {"class": "alerts_django.handlers.AlertsHandler", "level": "ERROR"},
        "console": {"class": "logging.StreamHandler"},
    },
    "loggers": {
        "django.request": {"handlers": ["alerts"], "level": "ERROR", "propagate": False},
        "alerts_django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
