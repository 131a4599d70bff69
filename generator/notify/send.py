"""The SMTP session of `insigne notify --send`: one connection, verified TLS, one message at a time.

TLS is always verified (the system's certificate authorities, or `smtp.cafile`); a server that
does not offer STARTTLS when asked for it is refused, never fallen back from. The password
comes from the environment (`PASSWORD_VARIABLE`), never from a file.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from generator.errors import InsigneError, Problem
from generator.model import SmtpSettings

PASSWORD_VARIABLE = "INSIGNE_SMTP_PASSWORD"
TIMEOUT_S = 60.0


class Refused(Exception):
    """The server refused this one message (its recipient, or its content): try it next time."""


class Lost(Exception):
    """The connection is gone: no more messages can go in this run."""


def password_from_environment(settings: SmtpSettings) -> str | None:
    """The password when the server needs a login; a clear error when it is not set."""
    if settings.user is None:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        raise InsigneError(
            Problem(
                None,
                f"--send needs the SMTP password of {settings.user!r} in the environment "
                f"variable {PASSWORD_VARIABLE}; nothing was sent",
                hint=f"e.g. read -s {PASSWORD_VARIABLE} && export {PASSWORD_VARIABLE}, "
                "then run the command again (never write the password in a file in the "
                "repository)",
            )
        )
    return password


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    # create_default_context verifies the certificate and the host name.
    if settings.cafile is not None:
        return ssl.create_default_context(cafile=str(settings.cafile))
    return ssl.create_default_context()


class Session:
    """`with Session(settings, password) as session: session.send(message, to)`."""

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self._password = password
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Session:
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            if s.security == "tls":
                self._smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=TIMEOUT_S, context=tls_context(s)
                )
            else:
                self._smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_S)
                if s.security == "starttls":
                    self._smtp.starttls(context=tls_context(s))
            if s.user is not None:
                self._smtp.login(s.user, self._password or "")
        except ssl.SSLCertVerificationError as exc:
            self._close()
            raise InsigneError(
                Problem(
                    None,
                    f"the certificate of {where} is not trusted ({exc.verify_message}); "
                    "nothing was sent",
                    hint="check smtp.host; for a server with its own certificate authority, "
                    "give its PEM file as smtp.cafile in site.yaml",
                )
            ) from None
        except smtplib.SMTPNotSupportedError:
            self._close()
            raise InsigneError(
                Problem(
                    None,
                    f"{where} does not offer STARTTLS; nothing was sent",
                    hint="use security: tls (usually port 465) if the server speaks TLS "
                    "from the start",
                )
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            raise InsigneError(
                Problem(
                    None,
                    f"{where} refused the login of {s.user!r} ({exc.smtp_code}); nothing was sent",
                    hint=f"check smtp.user and the password in {PASSWORD_VARIABLE}",
                )
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            raise InsigneError(
                Problem(
                    None,
                    f"cannot open an SMTP session with {where} ({exc}); nothing was sent",
                    hint="check smtp.host, smtp.port and smtp.security in site.yaml",
                )
            ) from None
        return self

    def send(self, message: EmailMessage, to: str) -> None:
        """Hand one message to the server; returns once it has accepted it."""
        if self._smtp is None:
            raise Lost("not connected")
        try:
            self._smtp.send_message(message, from_addr=self.settings.from_address, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()), (0, b""))
            raise Refused(f"recipient refused: {code} {_text(reason)}") from None
        except smtplib.SMTPDataError as exc:
            raise Refused(f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except smtplib.SMTPServerDisconnected as exc:
            self._smtp = None
            raise Lost(f"the server closed the connection ({exc})") from None
        except smtplib.SMTPSenderRefused as exc:
            # The sender is refused for every message alike: stop rather than try them all.
            raise Lost(
                f"the server refused the sender {self.settings.from_address!r}: "
                f"{exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            raise Lost(f"the session failed ({exc})") from None

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()


def _text(reason: bytes | str) -> str:
    if isinstance(reason, bytes):
        return reason.decode("utf-8", "replace")
    return str(reason)
