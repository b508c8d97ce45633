"""An aiosmtpd handler for Alerts' tests: a maildir like aiosmtpd.handlers.Mailbox whose reply to DATA
can be scripted, and which logs every DATA it answers.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c alerts_smtpd.ScriptedMailbox MAILDIR LOGFILE [REPLY TIMES]...

Each REPLY TIMES pair is one step of the script: the next TIMES messages are answered REPLY (a full SMTP
reply such as "550 5.7.1 Rejected by policy" or "451 4.3.0 Try again later"); TIMES is a positive number
or "always". Once the script is used up, messages are accepted ("250 OK"). A message is stored in
MAILDIR only when its answer is 2xx. LOGFILE gets one JSON line per DATA, written before the reply is
sent: {"peer": "HOST:PORT", "reply": ..., "messageId": ..., "subject": ...}; the peer (the client's
address) tells which messages came over the same connection.
"""

import json
import os
import re
from email.header import decode_header, make_header

from aiosmtpd.handlers import Mailbox

_REPLY = re.compile(r"^[2-5]\d\d( .*)?$")
_ALWAYS = -1


class ScriptedMailbox(Mailbox):
    def __init__(self, mail_dir, log_file, steps):
        super().__init__(mail_dir)
        self.log_file = log_file
        self.steps = list(steps)  # [reply, remaining or _ALWAYS], consumed from the front

    async def handle_DATA(self, server, session, envelope):
        message = self.prepare_message(session, envelope)
        reply = self._next_reply()
        self._log(session, message, reply)
        if reply.startswith("2"):
            self.handle_message(message)
        return reply

    def _next_reply(self):
        while self.steps:
            step = self.steps[0]
            if step[1] == _ALWAYS:
                return step[0]
            if step[1] > 0:
                step[1] -= 1
                return step[0]
            self.steps.pop(0)
        return "250 OK"

    def _log(self, session, message, reply):
        peer = session.peer
        entry = {
            "peer": f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer),
            "reply": reply,
            "messageId": str(message.get("Message-ID", "")).strip(),
            "subject": _decoded(message.get("Subject", "")),
        }
        line = (json.dumps(entry) + "\n").encode("utf-8")
        # One write on an O_APPEND descriptor: a reader never sees half a line followed by another line.
        fd = os.open(self.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) < 2 or len(args) % 2 != 0:
            parser.error("usage: MAILDIR LOGFILE [REPLY TIMES]...")
        steps = []
        for i in range(2, len(args), 2):
            reply, times = args[i], args[i + 1]
            if not _REPLY.match(reply):
                parser.error(f"not an SMTP reply: {reply!r}")
            if times == "always":
                steps.append([reply, _ALWAYS])
            elif times.isdigit() and int(times) > 0:
                steps.append([reply, int(times)])
            else:
                parser.error(f"TIMES must be a positive number or 'always', not {times!r}")
        return cls(args[0], args[1], steps)


def _decoded(value):
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # a malformed encoded-word: keep it as it came
        return str(value)
