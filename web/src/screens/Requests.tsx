import { useEffect, useState } from "preact/hooks";
import { DECLINE_REASONS, type ContactRequest, type DeclineReason } from "../api/types";
import { useApp } from "../app/context";
import { Notice, ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { ContactDetails } from "../components/ContactDetails";
import { SelectField } from "../components/Field";
import { CardSection, ListStatus } from "../components/Lists";
import { Screen } from "../components/Screen";
import { useAction } from "../forms";
import { ownFlagName } from "./Inbox";

/** Contact requests to the team (accept, decline with a reason) and from it (status, contact). */
export function Requests() {
  const { t, services } = useApp();
  const [requests, setRequests] = useState<ContactRequest[] | null>(null);
  const load = useAction();

  async function refresh() {
    const page = await load.run(() => services.hub.contactRequests());
    if (page) setRequests(page.items);
  }
  useEffect(() => {
    void refresh();
  }, []);

  const replace = (request: ContactRequest) =>
    setRequests((current) => current?.map((r) => (r.id === request.id ? request : r)) ?? null);
  const incoming = requests?.filter((r) => r.direction === "incoming") ?? [];
  const outgoing = requests?.filter((r) => r.direction === "outgoing") ?? [];

  return (
    <Screen name="requests" title={t.requests.title} pageTitle={t.pageTitle(t.requests.title)}>
      <ListStatus load={load} loaded={requests !== null} onRefresh={refresh} />
      {requests && (
        <>
          <CardSection
            id="incoming-title"
            title={t.requests.incomingTitle}
            empty={t.requests.incomingEmpty}
            count={incoming.length}
          >
            {incoming.map((request) => (
              <RequestCard key={request.id} request={request} onChange={replace} />
            ))}
          </CardSection>
          <CardSection
            id="outgoing-title"
            title={t.requests.outgoingTitle}
            empty={t.requests.outgoingEmpty}
            count={outgoing.length}
          >
            {outgoing.map((request) => (
              <RequestCard key={request.id} request={request} onChange={replace} />
            ))}
          </CardSection>
        </>
      )}
    </Screen>
  );
}

function RequestCard({ request, onChange }: { request: ContactRequest; onChange(request: ContactRequest): void }) {
  const app = useApp();
  const { t, services, announce } = app;
  // No reason chosen for the user: the other team reads it, so it is a deliberate choice.
  const [reason, setReason] = useState<DeclineReason | "">("");
  const [reasonError, setReasonError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const incoming = request.direction === "incoming";
  const titleId = `request-${request.id}`;
  const otherTeam = incoming ? request.from_team_name : request.to_team_name;
  const title = incoming
    ? t.requests.requestName(otherTeam, t.date(request.created_at))
    : t.requests.outgoingName(otherTeam, t.date(request.created_at));
  const purposeName = app.me.purposes.find((p) => p.purpose === request.purpose)?.name ?? request.purpose;

  async function decide(run: () => Promise<ContactRequest>, message: string) {
    setDone(null);
    const changed = await action.run(run);
    if (changed) {
      onChange(changed);
      setDone(message);
      announce(message);
    }
  }

  return (
    <li class="app-card" aria-labelledby={titleId}>
      <h3 class="utrecht-heading-3" id={titleId}>
        {title}
      </h3>
      <p class={`app-status app-status--${request.status}`}>{t.requests.status[request.status] ?? request.status}</p>
      <dl class="app-facts">
        <dt>{incoming ? t.requests.from : t.requests.to}</dt>
        <dd>{otherTeam}</dd>
        <dt>{t.requests.purpose}</dt>
        <dd>{purposeName}</dd>
        <dt>{t.requests.legalBasis}</dt>
        <dd>{request.decision.legal_basis ?? t.decision.none}</dd>
        {request.requester_case_ref && (
          <>
            <dt>{incoming ? t.requests.requesterCaseRef : t.requestContact.caseRef}</dt>
            <dd>{request.requester_case_ref}</dd>
          </>
        )}
        {request.flag && (
          <>
            <dt>{t.requests.aboutFlag}</dt>
            <dd>{ownFlagName(app, request.flag)}</dd>
          </>
        )}
        {request.status === "pending" && (
          <>
            <dt>{t.requests.expires}</dt>
            <dd>{t.date(request.expires_at)}</dd>
          </>
        )}
        {request.decline_reason && (
          <>
            <dt>{t.requests.declinedBecause}</dt>
            <dd>{t.requests.reasons[request.decline_reason] ?? request.decline_reason}</dd>
          </>
        )}
      </dl>
      {request.contact ? (
        <>
          <p class="utrecht-paragraph">
            <strong>{t.requests.contact}</strong>
          </p>
          <ContactDetails contact={request.contact} />
        </>
      ) : (
        !incoming && request.status === "pending" && <p class="utrecht-paragraph">{t.requests.contactPending}</p>
      )}
      {done && (
        <Notice focus>
          <p class="utrecht-paragraph">{done}</p>
        </Notice>
      )}
      {action.error !== null && <ProblemAlert error={action.error} words={{ conflict: t.requests.conflict }} />}
      {request.status === "pending" && incoming && (
        <div class="app-decide">
          <div class="utrecht-button-group">
            <Button
              appearance="primary"
              aria-describedby={titleId}
              busy={action.busy}
              onClick={() => decide(() => services.hub.accept(request.id), t.requests.accepted)}
            >
              {t.requests.accept}
            </Button>
          </div>
          <SelectField
            id={`${titleId}-reason`}
            label={t.requests.declineReason}
            hint={t.requests.declineReasonHint}
            error={reasonError}
            value={reason}
            onValue={(value) => {
              setReason(value as DeclineReason | "");
              setReasonError(undefined);
            }}
            options={[
              { value: "", label: t.requests.chooseReason },
              ...DECLINE_REASONS.map((code) => ({ value: code, label: t.requests.reasons[code] })),
            ]}
          />
          <div class="utrecht-button-group">
            <Button
              aria-describedby={titleId}
              busy={action.busy}
              onClick={() => {
                if (!reason) {
                  setReasonError(t.requests.reasonRequired);
                  announce(t.requests.reasonRequired);
                  document.getElementById(`${titleId}-reason`)?.focus();
                  return;
                }
                void decide(() => services.hub.decline(request.id, reason), t.requests.declined);
              }}
            >
              {t.requests.decline}
            </Button>
          </div>
        </div>
      )}
      {request.status === "pending" && !incoming && (
        <div class="utrecht-button-group">
          <Button
            aria-describedby={titleId}
            busy={action.busy}
            onClick={() => decide(() => services.hub.withdrawRequest(request.id), t.requests.withdrawn)}
          >
            {t.requests.withdraw}
          </Button>
        </div>
      )}
    </li>
  );
}
