import { useEffect, useState } from "preact/hooks";
import type { Contact, Match, Notification, OwnFlag } from "../api/types";
import { useApp, type AppContextValue } from "../app/context";
import { href } from "../app/router";
import { Notice, ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { ContactDetails } from "../components/ContactDetails";
import { CardSection, ListStatus } from "../components/Lists";
import { Screen } from "../components/Screen";
import { useAction } from "../forms";

/** Matches with their contact persons, and the team's notifications (expiry warnings too). */
export function Inbox({ onChange }: { onChange(): void }) {
  const { t, services } = useApp();
  const [matches, setMatches] = useState<Match[] | null>(null);
  const [notifications, setNotifications] = useState<Notification[] | null>(null);
  const load = useAction();

  async function refresh() {
    const pages = await load.run(() => Promise.all([services.hub.matches(), services.hub.notifications()]));
    if (pages) {
      setMatches(pages[0].items);
      setNotifications(pages[1].items);
      onChange();
    }
  }
  useEffect(() => {
    void refresh();
  }, []);

  const replace = (notification: Notification) => {
    setNotifications((current) => current?.map((n) => (n.id === notification.id ? notification : n)) ?? null);
    onChange();
  };

  return (
    <Screen name="inbox" title={t.inbox.title} pageTitle={t.pageTitle(t.inbox.title)}>
      <ListStatus load={load} loaded={notifications !== null} onRefresh={refresh} />
      {notifications && (
        <CardSection
          id="notifications-title"
          title={t.inbox.notificationsTitle}
          empty={t.inbox.notificationsEmpty}
          count={notifications.length}
        >
          {notifications.map((notification) => (
            <NotificationCard key={notification.id} notification={notification} onChange={replace} />
          ))}
        </CardSection>
      )}
      {matches && (
        <CardSection
          id="matches-title"
          title={t.inbox.matchesTitle}
          intro={t.inbox.matchesIntro}
          empty={t.inbox.matchesEmpty}
          count={matches.length}
        >
          {matches.map((match) => (
            <MatchCard key={match.id} match={match} />
          ))}
        </CardSection>
      )}
    </Screen>
  );
}

/** "Rechtmatigheid Participatiewet [PW-2026-042, gezin De V.]": a flag as its team knows it. */
export function ownFlagName(app: AppContextValue, flag: OwnFlag): string {
  const name = app.me.purposes.find((p) => p.purpose === flag.purpose)?.name ?? flag.purpose;
  const own = [flag.reference, flag.label].filter(Boolean).join(", ");
  return `${name}, ${app.t.date(flag.registered_at)}${own ? ` [${own}]` : ""}`;
}

function MatchCard({ match }: { match: Match }) {
  const app = useApp();
  const { t } = app;
  return (
    <li class="app-card">
      {match.flag && (
        <p class="utrecht-paragraph">
          <strong>{t.inbox.yourFlag}:</strong> {ownFlagName(app, match.flag)}
        </p>
      )}
      <ul class="app-plain-list">
        {match.teams.map((team) => (
          <li key={team.team} class="app-card__part">
            <h3 class="utrecht-heading-3">{team.team_name}</h3>
            <p class="utrecht-paragraph">
              {t.check.since} {t.date(team.since)}
              {team.already_in_contact && ` · ${t.inbox.alreadyInContact}`}
            </p>
            {team.contact_details === "shown" && team.contact ? (
              <>
                <p class="utrecht-paragraph">{t.inbox.contactDetails.shown}:</p>
                <ContactDetails contact={team.contact} />
              </>
            ) : (
              <p class="utrecht-paragraph">{t.inbox.contactDetails[team.contact_details] ?? t.inbox.contactDetails.on_request}</p>
            )}
          </li>
        ))}
      </ul>
    </li>
  );
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function contactOf(value: unknown): Contact | null {
  if (typeof value !== "object" || value === null) return null;
  const { name, email, phone } = value as Record<string, unknown>;
  return { name: str(name) || null, email: str(email) || null, phone: str(phone) || null };
}

function NotificationCard({ notification, onChange }: { notification: Notification; onChange(n: Notification): void }) {
  const app = useApp();
  const { t, services, announce } = app;
  const action = useAction();
  const [renewed, setRenewed] = useState<string | null>(null);
  const { kind, payload } = notification;
  const titleId = `notification-${notification.id}`;
  const words = t.inbox.kinds;
  let text: string;
  let contact: Contact | null = null;
  switch (kind) {
    case "match.created":
    case "match.joined": {
      const teams = Array.isArray(payload.teams) ? (payload.teams as Record<string, unknown>[]) : [];
      text = words.match(teams.map((team) => str(team.team_name)).join(", "));
      contact = contactOf(teams.find((team) => team.contact)?.contact);
      break;
    }
    case "contact_request.create":
      text = words.requestIn(str(payload.from_team_name) || str(payload.from_team));
      break;
    case "contact_request.accepted":
      text = words.requestAccepted;
      contact = contactOf(payload.owner);
      break;
    case "contact_request.declined": {
      const reason = (t.requests.reasons as Record<string, string | undefined>)[str(payload.reason)];
      text = reason ? `${words.requestDeclined} ${t.requests.declinedBecause}: ${reason}.` : words.requestDeclined;
      break;
    }
    case "contact_request.expired":
    case "contact_request.expire":
      text = words.requestExpired;
      break;
    case "contact_request.withdraw":
      text = words.requestWithdrawn;
      break;
    case "flag.expiring":
      text = words.flagExpiring(t.date(str(payload.expires_at) || (notification.flag?.expires_at ?? notification.created_at)));
      break;
    case "flag.expired":
      text = words.flagExpired;
      break;
    default:
      text = words.other(kind);
  }
  const flagId = str(payload.flag);

  async function markRead() {
    const read = await action.run(() => services.hub.markRead(notification.id));
    if (read) {
      onChange({ ...notification, read_at: read.read_at });
      announce(t.inbox.markedRead);
    }
  }

  async function renew() {
    const flag = await action.run(() => services.hub.renewFlag(flagId));
    if (flag) {
      setRenewed(t.flags.renewed(t.date(flag.expires_at)));
      announce(t.flags.renewed(t.date(flag.expires_at)));
    }
  }

  return (
    <li class={`app-card${notification.read_at ? "" : " app-card--unread"}`} aria-labelledby={titleId}>
      <p class="utrecht-paragraph app-card__meta">
        {!notification.read_at && <span class="app-status app-status--new">{t.inbox.unread}</span>} {t.date(notification.created_at)}
      </p>
      <p class="utrecht-paragraph" id={titleId}>
        {text}
      </p>
      {notification.flag && (
        <p class="utrecht-paragraph">
          <strong>{t.inbox.yourFlag}:</strong> {ownFlagName(app, notification.flag)}
        </p>
      )}
      {contact && (contact.name || contact.email || contact.phone) && <ContactDetails contact={contact} />}
      {renewed && (
        <Notice>
          <p class="utrecht-paragraph">{renewed}</p>
        </Notice>
      )}
      {action.error !== null && <ProblemAlert error={action.error} />}
      <div class="utrecht-button-group">
        {kind === "contact_request.create" && (
          <a class="utrecht-button-link utrecht-button-link--html-a utrecht-button-link--secondary-action" href={href("requests")}>
            {t.inbox.goToRequests}
          </a>
        )}
        {kind === "flag.expiring" && flagId && !renewed && (
          <Button aria-describedby={titleId} busy={action.busy} onClick={renew}>
            {t.flags.renew}
          </Button>
        )}
        {!notification.read_at && (
          <Button aria-describedby={titleId} busy={action.busy} onClick={markRead}>
            {t.inbox.markRead}
          </Button>
        )}
      </div>
    </li>
  );
}
