"""A local SMTP server for a worker that sends mail through Django's SMTP backend (the real protocol, the real
backend): it accepts every mail and keeps it. With `hold_first`, the first session's QUIT gets no answer until
`release()` (`holding` is set meanwhile): the mail was accepted (250 after DATA), but the sender, still in
EmailMessage.send(), is stuck before it can record anything, the moment a crash between sending and recording
hits."""

import contextlib
import socketserver
import threading
from email import message_from_bytes
from email.message import Message


class MailServer:
    def __init__(self, *, hold_first: bool = False):
        self.received: list[Message] = []
        self.holding, self._released = threading.Event(), threading.Event()
        self._hold = hold_first
        server = self

        class Session(socketserver.StreamRequestHandler):
            def handle(self):
                with contextlib.suppress(ConnectionError):  # the sender died mid-session
                    self._converse()

            def _converse(self):
                self._reply("220 localhost ESMTP test")
                while line := self.rfile.readline():
                    verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
                    if verb == "EHLO":
                        self._reply("250-localhost", "250 8BITMIME")
                    elif verb == "DATA":
                        self._reply("354 end with <CRLF>.<CRLF>")
                        server._keep(self._data())
                        self._reply("250 queued")
                    elif verb == "QUIT":
                        server._wait_if_held()
                        self._reply("221 bye")
                        return
                    else:  # HELO, MAIL, RCPT, RSET, NOOP
                        self._reply("250 ok")

            def _data(self) -> bytes:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)  # RFC 5321 4.5.2 dot-stuffing
                return b"".join(lines)

            def _reply(self, *lines):
                self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _keep(self, data: bytes) -> None:
        self.received.append(message_from_bytes(data))

    def _wait_if_held(self) -> None:
        if self._hold:
            self._hold = False
            self.holding.set()
            self._released.wait(timeout=60)

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    @property
    def worker_env(self) -> dict:
        """What start_worker needs for the worker to send its mail here (tests/loyalty/worker_settings.py)."""
        return {"TEST_SMTP_PORT": str(self.port)}
