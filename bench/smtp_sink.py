"""A local SMTP sink for the reliability bench: records each message (recipient, subject) as a JSON line.

    python bench/smtp_sink.py PORT OUTFILE

Listens on 127.0.0.1 only, accepts everything, stores nothing but the envelope recipients and the
subject, and stops on SIGTERM or SIGINT.
"""

import asyncio
import email
import json
import signal
import sys

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with open(self.path, "a", encoding="utf-8") as out:
            for rcpt in envelope.rcpt_tos:
                out.write(json.dumps({"to": rcpt, "subject": str(message.get("Subject", ""))}) + "\n")
        return "250 Message accepted"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        loop.run_until_complete(stop.wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
