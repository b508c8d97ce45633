"""Runs Django's own BrokenLinkEmailsMiddleware on a batch of requests, one JSON object a line in the first file given,
and writes one JSON decision a line to the second: whether Django mailed the managers and the mail's subject."""
import json
import re
import sys

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    MANAGERS=[("Manager", "manager@example.com")],
    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    EMAIL_SUBJECT_PREFIX="",
    APPEND_SLASH=True,
    IGNORABLE_404_URLS=[],
)
django.setup()

from django.core import mail  # noqa: E402
from django.http import HttpResponseNotFound  # noqa: E402
from django.middleware.common import BrokenLinkEmailsMiddleware  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

setup_test_environment()  # the locmem backend's mail.outbox
factory = RequestFactory()
middleware = BrokenLinkEmailsMiddleware(lambda request: HttpResponseNotFound())

with open(sys.argv[1], encoding="utf-8") as cases, open(sys.argv[2], "w", encoding="utf-8") as decisions:
    for line in cases:
        case = json.loads(line)
        headers = {"HTTP_HOST": case["host"]}
        if case.get("referrer") is not None:
            headers["HTTP_REFERER"] = case["referrer"]
        if case.get("userAgent") is not None:
            headers["HTTP_USER_AGENT"] = case["userAgent"]
        request = factory.get(case["path"], secure=case["scheme"] == "https", **headers)
        mail.outbox = []
        with override_settings(APPEND_SLASH=case["appendSlash"],
                               IGNORABLE_404_URLS=[re.compile(p) for p in case["ignorable"]]):
            middleware(request)
        print(json.dumps({
            "mail": len(mail.outbox) == 1,
            "subject": mail.outbox[0].subject if mail.outbox else None,
            "fullPath": request.get_full_path(),
            "host": request.get_host(),
        }), file=decisions)
