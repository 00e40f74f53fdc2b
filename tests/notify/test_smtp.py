"""bot/notify/smtp.py against a real aiosmtpd server: plain, STARTTLS with a login, implicit
TLS, and each way an attempt can fail, said precisely."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.notify.smtp import DeliveryError, SmtpMailer, SmtpOptions
from bot.settings.schema import SmtpTls
from bot.settings.secret import Secret
from tests.fakes.smtp import Faults, SmtpServer, self_signed

SENDER = "Upstream Bot <bot@example.org>"
TO = "mira@example.org"


def _message(subject: str = "hello") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, TO, subject
    message.set_content("body")
    return message


class Marks:
    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.answer


def _mailer(server: SmtpServer, tls: SmtpTls = SmtpTls.NONE, **options) -> SmtpMailer:
    return SmtpMailer(SmtpOptions("127.0.0.1", server.port, tls, timeout=5, **options))


async def test_a_message_goes_through_and_the_connection_is_reused() -> None:
    with SmtpServer() as server:
        mailer = _mailer(server)
        marks = Marks()
        for n in range(3):
            await mailer.send(_message(f"n{n}"), sender=SENDER, recipient=TO, before_data=marks)
        client = mailer._client
        await mailer.send(_message("n3"), sender=SENDER, recipient=TO, before_data=marks)
        assert mailer._client is client
        await mailer.close()
    assert marks.calls == 4
    assert [r.message["Subject"] for r in server.received] == ["n0", "n1", "n2", "n3"]
    assert {(r.sender, tuple(r.recipients)) for r in server.received} == {
        ("bot@example.org", (TO,))
    }


async def test_starttls_with_a_login(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    with SmtpServer(starttls=server_tls, logins={"bot": "s3cret"}) as server:
        mailer = _mailer(server, SmtpTls.STARTTLS, username="bot",
                         password=Secret("s3cret", env="X"), tls_context=client_tls)
        await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        await mailer.close()
        wrong = _mailer(server, SmtpTls.STARTTLS, username="bot",
                        password=Secret("nope", env="X"), tls_context=client_tls)
        with pytest.raises(DeliveryError, match="login as bot refused") as caught:
            await wrong.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        assert caught.value.permanent and not caught.value.handed_over
    assert len(server.received) == 1


async def test_implicit_tls(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    with SmtpServer(implicit_tls=server_tls) as server:
        mailer = _mailer(server, SmtpTls.TLS, tls_context=client_tls)
        await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        await mailer.close()
    assert len(server.received) == 1


async def test_a_server_that_requires_starttls_refuses_a_plain_client(tmp_path: Path) -> None:
    server_tls, _ = self_signed(tmp_path)
    with SmtpServer(starttls=server_tls) as server:
        mailer = _mailer(server, SmtpTls.NONE)
        with pytest.raises(DeliveryError) as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        await mailer.close()
    assert not caught.value.handed_over
    assert server.received == []


async def test_a_refused_recipient_is_permanent_and_nothing_is_handed_over() -> None:
    with SmtpServer(faults=Faults(refuse={TO})) as server:
        mailer = _mailer(server)
        marks = Marks()
        with pytest.raises(DeliveryError, match="550") as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=marks)
        # the connection survives a refusal (RSET): the next message goes through
        await mailer.send(_message(), sender=SENDER, recipient="jonas@example.org",
                          before_data=marks)
        await mailer.close()
    assert (caught.value.permanent, caught.value.handed_over, marks.calls) == (True, False, 1)
    assert [r.recipients for r in server.received] == [["jonas@example.org"]]


async def test_a_busy_server_after_the_data_is_transient_and_not_handed_over() -> None:
    with SmtpServer(faults=Faults(data_busy={TO: 1})) as server:
        mailer = _mailer(server)
        with pytest.raises(DeliveryError, match="451") as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        await mailer.close()
    assert (caught.value.permanent, caught.value.handed_over) == (False, False)


async def test_a_connection_lost_before_the_data_is_not_handed_over() -> None:
    with SmtpServer(faults=Faults(drop_at_rcpt={TO: 1})) as server:
        mailer = _mailer(server)
        marks = Marks()
        with pytest.raises(DeliveryError) as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=marks)
        # a new connection is made for the next attempt
        await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=marks)
        await mailer.close()
    assert (caught.value.handed_over, marks.calls, len(server.received)) == (False, 1, 1)


async def test_a_connection_lost_after_the_data_is_handed_over() -> None:
    with SmtpServer(faults=Faults(drop_after_data={TO: 1})) as server:
        mailer = _mailer(server)
        with pytest.raises(DeliveryError, match="while sending the data") as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
        await mailer.close()
    assert caught.value.handed_over
    assert len(server.received) == 1  # the server has it: the sender must not try again


async def test_nothing_is_sent_when_before_data_says_no() -> None:
    with SmtpServer() as server:
        mailer = _mailer(server)
        with pytest.raises(DeliveryError, match="abandoned") as caught:
            await mailer.send(_message(), sender=SENDER, recipient=TO,
                              before_data=Marks(answer=False))
        await mailer.close()
    assert caught.value.abandoned and not caught.value.handed_over
    assert server.received == []


async def test_an_unreachable_server_is_a_transient_failure() -> None:
    with SmtpServer() as server:
        port = server.port
    mailer = SmtpMailer(SmtpOptions("127.0.0.1", port, SmtpTls.NONE, timeout=2))
    with pytest.raises(DeliveryError) as caught:
        await mailer.send(_message(), sender=SENDER, recipient=TO, before_data=Marks())
    assert not caught.value.permanent and not caught.value.handed_over
