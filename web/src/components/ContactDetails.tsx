import type { Contact } from "../api/types";
import { useApp } from "../app/context";

/** A contact person with links a phone can follow (call, mail). */
export function ContactDetails({ contact }: { contact: Contact }) {
  const { t } = useApp();
  return (
    <dl class="app-facts">
      {contact.name && (
        <>
          <dt>{t.contact.name}</dt>
          <dd>{contact.name}</dd>
        </>
      )}
      {contact.team_contact_person && (
        <>
          <dt>{t.contact.teamContact}</dt>
          <dd>{contact.team_contact_person}</dd>
        </>
      )}
      {contact.email && (
        <>
          <dt>{t.contact.email}</dt>
          <dd>
            <a class="utrecht-link utrecht-link--html-a" href={`mailto:${contact.email}`}>
              {contact.email}
            </a>
          </dd>
        </>
      )}
      {contact.phone && (
        <>
          <dt>{t.contact.phone}</dt>
          <dd>
            <a class="utrecht-link utrecht-link--html-a" href={`tel:${contact.phone.replace(/[^+0-9]/g, "")}`}>
              {contact.phone}
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}
