/** The beheerder's administration: teams' contact details and webhook, convenants made and
 * ended; every change confirmed first, and audited by the hub. */

import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { useShell } from "../../app/context";
import { Notice, ProblemAlert } from "../../components/Alerts";
import { Button } from "../../components/Button";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { TextField } from "../../components/Field";
import { Screen } from "../../components/Screen";
import { adminApi, type Convenant, type ConvenantIn, type Team, type TeamChange } from "../api/admin";
import { DataTable } from "../components/DataTable";
import { useText } from "../text";
import { text } from "./text";

type Words = (typeof text)["nl"];
type Pending = { title: string; text: string; confirm: string; run(): Promise<string> };

export function Admin() {
  const { t, services, me, announce } = useShell();
  const own = useText(text);
  const api = useMemo(() => adminApi(services.client), [services]);
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [convenants, setConvenants] = useState<Convenant[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const reload = useCallback(() => {
    if (me?.organisation) api.teams(me.organisation).then((found) => setTeams(found.items), setError);
    api.convenants().then((found) => setConvenants(found.items), setError);
  }, [api, me]);
  useEffect(reload, [reload]);

  async function run(action: Pending) {
    setPending(null);
    setError(null);
    try {
      const message = await action.run();
      setDone(message);
      announce(message);
      reload();
    } catch (problem) {
      setError(problem);
    }
  }

  return (
    <Screen name="console-admin" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
      {done && <Notice focus>{done}</Notice>}
      {error !== null && <ProblemAlert error={error} />}
      {pending && (
        <ConfirmDialog
          id="admin-confirm"
          title={pending.title}
          text={pending.text}
          confirm={pending.confirm}
          onConfirm={() => void run(pending)}
          onCancel={() => setPending(null)}
        />
      )}
      <section class="console-section" aria-labelledby="teams-title">
        <h2 class="utrecht-heading-2" id="teams-title">
          {own.teams}
        </h2>
        {teams === null ? (
          <p class="utrecht-paragraph">{own.loading}</p>
        ) : (
          teams.map((team) => (
            <TeamCard
              key={team.slug}
              team={team}
              own={own}
              onSave={(change) =>
                setPending({
                  title: own.confirmTitle,
                  text: own.confirmText(team.name),
                  confirm: own.save,
                  run: async () => {
                    await api.changeTeam(team.slug, change);
                    return own.saved(team.name);
                  },
                })
              }
            />
          ))
        )}
      </section>
      <section class="console-section" aria-labelledby="convenants-title">
        <h2 class="utrecht-heading-2" id="convenants-title">
          {own.convenants}
        </h2>
        {convenants !== null && (
          <DataTable
            hideCaption
            id="table-convenants"
            caption={own.convenants}
            columns={[
              { key: "slug", label: own.slug },
              { key: "name", label: own.name },
              { key: "partners", label: own.partners },
              { key: "domains", label: own.domains },
              { key: "purposes", label: own.purposes },
              { key: "basis", label: own.legalBasis },
              { key: "period", label: own.period },
              { key: "state", label: own.state },
            ]}
            rows={convenants.map((each) => ({
              slug: each.slug,
              name: each.name,
              partners: each.partners.join(", "),
              domains: each.domains.join(", "),
              purposes: each.purposes.join(", "),
              basis: each.legal_basis,
              period: `${each.starts_on} – ${each.ends_on}`,
              state: each.ended_at ? own.ended : each.active ? own.inForce : own.notInForce,
            }))}
          />
        )}
        <div class="utrecht-button-group">
          {convenants
            ?.filter((each) => !each.ended_at)
            .map((each) => (
              <Button
                key={each.slug}
                onClick={() =>
                  setPending({
                    title: own.endTitle,
                    text: own.endText(each.slug),
                    confirm: own.end(each.slug),
                    run: async () => {
                      await api.endConvenant(each.slug);
                      return own.endedNotice(each.slug);
                    },
                  })
                }
              >
                {own.end(each.slug)}
              </Button>
            ))}
        </div>
        <NewConvenant
          own={own}
          organisation={me?.organisation ?? ""}
          onCreate={(body) =>
            setPending({
              title: own.createTitle,
              text: own.createText(body.slug),
              confirm: own.create,
              run: async () => {
                await api.createConvenant(body);
                return own.created(body.slug);
              },
            })
          }
        />
      </section>
    </Screen>
  );
}

function TeamCard({ team, own, onSave }: { team: Team; own: Words; onSave(change: TeamChange): void }) {
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ contact_person: team.contact_person ?? "", email: team.email ?? "", phone: team.phone ?? "", webhook_url: "" });
  const id = `team-${team.slug}`;
  function submit(event: Event) {
    event.preventDefault();
    const change: TeamChange = {};
    if (form.contact_person && form.contact_person !== (team.contact_person ?? "")) change.contact_person = form.contact_person;
    if (form.email && form.email !== (team.email ?? "")) change.email = form.email;
    if (form.phone && form.phone !== (team.phone ?? "")) change.phone = form.phone;
    if (form.webhook_url) change.webhook_url = form.webhook_url;
    if (Object.keys(change).length) onSave(change);
    setEditing(false);
  }
  return (
    <div class="console-team" data-team={team.slug}>
      <h3 class="utrecht-heading-3" id={`${id}-title`}>
        {team.name} {!team.active && own.inactive}
      </h3>
      <dl class="app-facts">
        <dt>{own.domain}</dt>
        <dd>{team.domain}</dd>
        <dt>{own.contactPerson}</dt>
        <dd data-field="contact_person">{team.contact_person ?? "—"}</dd>
        <dt>{own.email}</dt>
        <dd class="console-wrap">{team.email ?? "—"}</dd>
        <dt>{own.phone}</dt>
        <dd>{team.phone ?? "—"}</dd>
        <dt>{own.webhook}</dt>
        <dd>{team.webhook ? own.webhookSet : own.webhookNone}</dd>
      </dl>
      {editing ? (
        <form onSubmit={submit} aria-labelledby={`${id}-title`}>
          <TextField id={`${id}-contact`} label={own.contactPerson} value={form.contact_person} onValue={(contact_person) => setForm({ ...form, contact_person })} maxLength={200} />
          <TextField id={`${id}-email`} label={own.email} type="email" value={form.email} onValue={(email) => setForm({ ...form, email })} />
          <TextField id={`${id}-phone`} label={own.phone} type="tel" value={form.phone} onValue={(phone) => setForm({ ...form, phone })} />
          <TextField id={`${id}-webhook`} label={own.webhookUrl} hint={own.webhookHint} value={form.webhook_url} onValue={(webhook_url) => setForm({ ...form, webhook_url })} maxLength={500} />
          <div class="utrecht-button-group">
            <Button appearance="primary" type="submit">
              {own.save}
            </Button>
            <Button onClick={() => setEditing(false)}>{own.cancel}</Button>
          </div>
        </form>
      ) : (
        <div class="utrecht-button-group">
          <Button onClick={() => setEditing(true)}>{own.edit(team.name)}</Button>
        </div>
      )}
    </div>
  );
}

function NewConvenant({ own, organisation, onCreate }: { own: Words; organisation: string; onCreate(body: ConvenantIn): void }) {
  const [form, setForm] = useState({ slug: "", name: "", partners: organisation, domains: "", purposes: "", legal_basis: "", starts_on: "", ends_on: "", responsible: "" });
  const list = (value: string) => value.split(",").map((each) => each.trim()).filter(Boolean);
  const field = (key: keyof typeof form, label: string, extra: { type?: "date"; hint?: string } = {}) => (
    <TextField id={`convenant-${key}`} label={label} value={form[key]} onValue={(value) => setForm({ ...form, [key]: value })} {...extra} />
  );
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onCreate({ ...form, partners: list(form.partners), domains: list(form.domains), purposes: list(form.purposes) });
      }}
    >
      <h3 class="utrecht-heading-3">{own.newConvenant}</h3>
      {field("slug", own.slug)}
      {field("name", own.name)}
      {field("partners", own.partners, { hint: own.listHint })}
      {field("domains", own.domains, { hint: own.listHint })}
      {field("purposes", own.purposes, { hint: own.listHint })}
      {field("legal_basis", own.legalBasis)}
      {field("starts_on", own.startsOn, { type: "date" })}
      {field("ends_on", own.endsOn, { type: "date" })}
      {field("responsible", own.responsible)}
      <div class="utrecht-button-group">
        <Button appearance="primary" type="submit">
          {own.create}
        </Button>
      </div>
    </form>
  );
}
