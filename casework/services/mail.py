"""E-mail: digests (at most one e-mail per person per day, naming families by reference only),
and the odd message that cannot wait for one (a link to choose a new password)."""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import OPEN_PHASES, EmailDigest, Family, Flag, FlagStatus, Notification, Role, Severity, User
from .clock import day_text, local_date

log = logging.getLogger(__name__)


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _send(messages: list[EmailMessage]) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for message in messages:
            smtp.send_message(message)


def send_one(to: str, subject: str, body: str) -> bool:
    """One e-mail, now. False (and logged) when it could not be sent."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config.get("MAIL_DEFAULT_SENDER") or "casework@localhost"
    message["To"] = to
    message.set_content(body)
    try:
        _send([message])
    except (OSError, smtplib.SMTPException) as error:
        log.warning("Could not send an e-mail: %s", error)
        return False
    return True


def _team_summary(session: Session, team_id: int, today: dt.date) -> list[str]:
    """A manager's Monday lines: their team's open flags by severity."""
    counts = dict(
        session.execute(
            select(Flag.severity, func.count(Flag.id))
            .join(Family)
            .where(Family.team_id == team_id, Family.phase.in_(OPEN_PHASES), Flag.status != FlagStatus.RESOLVED)
            .group_by(Flag.severity)
        ).all()
    )
    overdue = session.scalar(
        select(func.count(Flag.id))
        .join(Family)
        .where(Family.team_id == team_id, Flag.rule == "review_overdue", Flag.status != FlagStatus.RESOLVED)
    )
    return [
        f"Your team this week: {counts.get(Severity.HIGH, 0)} high, {counts.get(Severity.MEDIUM, 0)} medium and "
        f"{counts.get(Severity.LOW, 0)} low open flags; {overdue} reviews more than a week overdue."
    ]


def send_digests(session: Session, now: dt.datetime) -> int:
    """Send today's digest to everyone with unsent notifications (and every manager on a
    Monday). Returns how many e-mails went. A person already sent one today gets none."""
    if not mail_configured():
        return 0
    today = local_date(now)
    already = set(session.scalars(select(EmailDigest.user_id).where(EmailDigest.day == today)))
    pending: dict[int, list[Notification]] = {}
    for note in session.scalars(
        select(Notification).where(Notification.emailed_on.is_(None)).order_by(Notification.created_at, Notification.id)
    ):
        pending.setdefault(note.user_id, []).append(note)
    recipients = set(pending)
    if today.weekday() == 0:
        recipients |= set(session.scalars(select(User.id).where(User.role == Role.MANAGER, User.active.is_(True))))
    recipients -= already
    if not recipients:
        return 0
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(recipients), User.active.is_(True)))}
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or "casework@localhost"
    outgoing, sent_to = [], []
    for user_id, user in users.items():
        lines = [note.message for note in pending.get(user_id, [])]
        if user.is_manager and today.weekday() == 0 and user.team_id:
            lines += _team_summary(session, user.team_id, today)
        if not lines:
            continue
        message = EmailMessage()
        message["Subject"] = f"casework: {len(pending.get(user_id, []))} new for you on {day_text(today, year=False)}"
        message["From"] = sender
        message["To"] = user.email
        message.set_content(
            f"Hello {user.name.split()[0]},\n\n"
            + "\n".join(f"- {line}" for line in lines)
            + "\n\nSign in to casework to see the details. This e-mail names families by reference only.\n"
        )
        outgoing.append(message)
        sent_to.append(user_id)
    if not outgoing:
        return 0
    try:
        _send(outgoing)
    except (OSError, smtplib.SMTPException) as error:
        # Nothing is marked sent: the next sweep tries again, and the in-app notices stand.
        log.warning("Could not send e-mail digests: %s", error)
        return 0
    for user_id in sent_to:
        session.add(EmailDigest(user_id=user_id, day=today, sent_at=now, notifications=len(pending.get(user_id, []))))
        for note in pending.get(user_id, []):
            note.emailed_on = today
    session.flush()
    return len(outgoing)
