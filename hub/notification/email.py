"""E-mail that something waits in a team's inbox: no subject, no pseudonym, no case.

Only the team's name and the kind of news go out; the content stays behind the login.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy.orm import Session, sessionmaker

from hub.audit.vocabulary import Action
from hub.notification import repository
from hub.notification.models import Delivery, Notification
from hub.organisation import repository as organisations
from hub.organisation.models import Team
from hub.transactions import transaction

log = logging.getLogger("betrokken.email")

KIND_LABELS = {
    Action.MATCH_CREATED: "een nieuwe match",
    Action.MATCH_JOINED: "een team is bij een match gekomen",
    Action.CONTACT_REQUEST_CREATE: "een contactverzoek",
    "contact_request.accepted": "een contactverzoek is geaccepteerd",
    "contact_request.declined": "een contactverzoek is afgewezen",
    "contact_request.expired": "een contactverzoek is verlopen",
    Action.CONTACT_REQUEST_EXPIRE: "een contactverzoek is verlopen",
    Action.CONTACT_REQUEST_WITHDRAW: "een contactverzoek is ingetrokken",
}


def compose(notification: Notification, team: Team, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = team.contact_email or ""
    message["Subject"] = "Nieuwe melding in Betrokken"
    what = KIND_LABELS.get(notification.kind, "een nieuwe melding")
    message.set_content(
        f"Voor team {team.name} staat in Betrokken: {what}.\n\n"
        "Log in om de melding te bekijken. Deze e-mail bevat bewust geen gegevens over de "
        "persoon, het adres of het bedrijf waar het om gaat.\n"
    )
    return message


def send_pending(sessions: sessionmaker[Session], *, host: str, port: int, sender: str) -> int:
    """Send every pending notification e-mail once; an SMTP failure leaves it pending."""
    sent = 0
    with transaction(sessions) as session:
        pending = repository.pending_email(session, limit=100)
        if not pending:
            return 0
        try:
            with smtplib.SMTP(host, port, timeout=10) as smtp:
                for notification in pending:
                    team = organisations.get_team_by_id(session, notification.team_id)
                    if team is None or not team.contact_email:
                        notification.email = Delivery.NONE
                        continue
                    smtp.send_message(compose(notification, team, sender=sender))
                    notification.email = Delivery.DELIVERED
                    sent += 1
        except (OSError, smtplib.SMTPException) as error:
            log.warning("e-mail delivery failed (%s); will retry", type(error).__name__)
    return sent
