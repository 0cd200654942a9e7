/**
 * Every text of the app in Dutch, the first language. en.ts has the same shape: a missing or
 * differently typed English text is a type error.
 */

import type { IdentifierKind, SubjectType } from "../crypto/identifiers";
import type { ContactDetails, DeclineReason, RequestStatus } from "../api/types";

const identifierLabels: Record<IdentifierKind, string> = {
  bsn: "BSN",
  bag: "BAG-id",
  kvk: "KvK-nummer",
  vestiging: "vestigingsnummer",
};

export const nl = {
  lang: "nl",
  appName: "Betrokken",
  pageTitle: (screen: string) => `${screen} – Betrokken`,
  skipToContent: "Naar de inhoud",
  loading: "Betrokken wordt geladen…",
  configFailed: "De app kon zijn instellingen niet laden. Controleer je verbinding en laad de pagina opnieuw.",
  reload: "Opnieuw laden",
  offline: "Geen verbinding. Wat je invult blijft staan; controleren, registreren en verzoeken lukt weer zodra je online bent.",
  loadingList: "Bezig met ophalen…",
  refresh: "Vernieuwen",
  cancel: "Annuleren",
  save: "Opslaan",
  optional: "optioneel",
  date: (iso: string) => new Date(iso).toLocaleDateString("nl-NL", { day: "numeric", month: "long", year: "numeric" }),

  nav: {
    label: "Hoofdmenu",
    check: "Controleren",
    register: "Registreren",
    flags: "Mijn signalen",
    inbox: "Berichten",
    requests: "Verzoeken",
    unread: (count: number) => `, ${count} nieuw`,
  },

  header: {
    team: "Team",
    signedInAs: (name: string) => `Ingelogd als ${name}`,
    signOut: "Uitloggen",
    switchLanguage: "English",
    switchLanguageLang: "en",
    teamChanged: (team: string) => `Je werkt nu namens ${team}.`,
  },

  signIn: {
    title: "Inloggen bij Betrokken",
    intro:
      "Betrokken laat zien welke andere teams betrokken zijn bij een persoon, adres of bedrijf, zonder de inhoud van hun werk. Log in met je account van de organisatie.",
    button: "Inloggen",
    waiting: "Het inlogvenster is geopend. Log daar in; daarna ga je hier verder.",
    development: "Ontwikkelomgeving: je kiest in het inlogvenster een demogebruiker.",
    signedOut: "Je bent uitgelogd.",
  },

  reauth: {
    title: "Opnieuw inloggen",
    text: "Je sessie is verlopen. Log opnieuw in om verder te gaan; wat je hebt ingevuld blijft staan.",
    button: "Opnieuw inloggen",
  },

  meFailed: "Je gegevens ophalen lukte niet",
  noTeamTitle: "Geen team",
  noTeam: "Je bent geen lid van een team. Vraag je beheerder om je aan een team toe te voegen.",

  subject: {
    legend: "Waarover gaat het?",
    types: { person: "Persoon (BSN)", address: "Adres (BAG-id)", business: "Bedrijf (KvK-nummer)" } satisfies Record<SubjectType, string>,
    identifierLabels,
    identifierHints: {
      bsn: "9 cijfers, zonder spaties of punten.",
      bag: "16 cijfers: het id van de nummeraanduiding in de BAG.",
      kvk: "8 cijfers.",
      vestiging: "12 cijfers.",
    } satisfies Record<IdentifierKind, string>,
    privacy: "Het nummer verlaat je toestel alleen versleuteld; Betrokken krijgt alleen een pseudoniem.",
    errors: {
      empty: (kind: IdentifierKind) => `Vul het ${identifierLabels[kind]} in.`,
      digits_only: () => "Gebruik alleen de cijfers 0 tot en met 9, zonder spaties, punten of streepjes.",
      length: (kind: IdentifierKind, digits: number) => `Een ${identifierLabels[kind]} heeft ${digits} cijfers.`,
      all_zeros: () => "Dit nummer bestaat niet: het zijn alleen nullen.",
      elfproef: () => "Dit BSN klopt niet: het voldoet niet aan de elfproef. Controleer het nummer.",
      bag_gemeentecode: () => "Dit BAG-id klopt niet: de gemeentecode (de eerste 4 cijfers) is 0000.",
      bag_objecttype: () => "Dit BAG-id klopt niet: het 5e en 6e cijfer (het objecttype) horen 01, 02, 03, 10, 20 of 30 te zijn.",
      bag_volgnummer: () => "Dit BAG-id klopt niet: het volgnummer (de laatste 10 cijfers) is alleen nullen.",
    },
  },

  purpose: {
    label: "Doel",
    checkHint: "Waarvoor controleer je? Je ziet de doelen die het beleid je team toestaat.",
    registerHint: "Waarvoor is je team betrokken? Je ziet de doelen die het beleid je team toestaat.",
    noneForCheck: "Het beleid staat je team geen controle toe. Werk je voor meer teams, kies dan bovenaan een ander team.",
    noneForRegister: "Het beleid staat je team niet toe betrokkenheid te registreren. Werk je voor meer teams, kies dan bovenaan een ander team.",
    required: "Kies een doel.",
  },

  caseRef: {
    label: "Zaakkenmerk",
    hint: "Het kenmerk van je eigen zaak, bijvoorbeeld PW-2026-042. Geen BSN of ander nummer van 8 cijfers of meer.",
    required: "Vul het zaakkenmerk in.",
    format: "Een zaakkenmerk heeft 3 tot 64 tekens: letters, cijfers, punt, streepje, liggend streepje of schuine streep, en begint met een letter of cijfer.",
  },

  field: {
    identifier:
      "Dit lijkt een BSN, KvK-nummer of BAG-id (8 cijfers of meer, ook met spaties of streepjes ertussen). Zet zo’n nummer niet in een vrij tekstveld.",
    email: "Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl.",
    phone: "Vul een telefoonnummer in van 6 tot 40 tekens: cijfers, spaties, haakjes, streepjes en eventueel een + vooraan.",
    required: "Vul dit veld in.",
    tooLong: (max: number) => `Gebruik hoogstens ${max} tekens.`,
    oneLine: "Gebruik één regel tekst.",
    invalid: "Deze waarde klopt niet.",
    reference: "Een kenmerk heeft 1 tot 64 tekens: letters, cijfers, punt, streepje, liggend streepje of schuine streep, en begint met een letter of cijfer.",
    dateInPast: "Kies een datum na vandaag.",
    formHasErrors: (count: number) =>
      count === 1 ? "Eén veld is niet goed ingevuld. Zie de melding bij het veld." : `${count} velden zijn niet goed ingevuld. Zie de meldingen bij de velden.`,
  },

  decision: {
    summary: "Waarom mocht dit?",
    rule: "Regel",
    legalBasis: "Grondslag",
    policyVersion: "Beleidsversie",
    none: "geen",
  },

  check: {
    title: "Betrokkenheid controleren",
    intro: "Controleer of andere teams betrokken zijn bij een persoon, adres of bedrijf. Je ziet alleen wélke teams, nooit wat ze doen.",
    submit: "Controleren",
    busy: "Bezig met controleren…",
    resultTitle: "Uitkomst",
    ownInvolved: "Je eigen team is ook betrokken.",
    involvedCount: (count: number) =>
      count === 0
        ? "Geen ander team is betrokken, voor zover het beleid je dat laat zien."
        : count === 1
          ? "1 ander team is betrokken."
          : `${count} andere teams zijn betrokken.`,
    domain: "Domein",
    since: "Betrokken sinds",
    hiddenTitle: "Wat je niet te zien krijgt",
    hidden: (purpose: string, domain: string) => `Het beleid laat bij doel ${purpose} niet zien of ${domain} betrokken is.`,
    hiddenWhy: "Waarom niet?",
    hiddenDefault:
      "Het beleid van je organisatie (vastgelegd in de DPIA) geeft voor dit doel geen grondslag om te zien of dit domein betrokken is. Wat niet uitdrukkelijk is toegestaan, blijft verborgen.",
    shownWhy: (domain: string) => `Waarom je ${domain} wel ziet`,
    hiddenRule: (rule: string, basis: string, domain: string) =>
      `Wat je bij dit doel ziet, staat in regel ${rule} (grondslag ${basis}). Die regel noemt ${domain} niet.`,
    policyWhy: "Toelichting in het beleid",
  },

  requestContact: {
    open: "Contact aanvragen",
    title: (team: string) => `Contact aanvragen bij ${team}`,
    intro: "Het team beslist zelf of het contact wil. Wat je hieronder invult, gaat alleen naar dat team.",
    email: "Je e-mailadres",
    phone: "Je telefoonnummer",
    caseRef: "Je zaakkenmerk delen",
    caseRefHint: "Het team ziet dit kenmerk bij je verzoek. Leeg laten mag.",
    send: "Verzoek versturen",
    sent: (team: string) => `Je verzoek is verstuurd naar ${team}. Je ziet het antwoord bij Verzoeken.`,
    conflict: "Je team heeft dit team al om contact gevraagd over dit signaal; dat verzoek wacht nog op een besluit.",
  },

  register: {
    title: "Betrokkenheid registreren",
    intro: "Leg vast dat je team betrokken is. Andere teams zien alleen dát je team betrokken is, nooit waarom.",
    expires: "Vervaldatum",
    expiresHint: "Leeg laten: de langste termijn die het beleid toestaat.",
    contactLegend: "Contactpersoon",
    contactHint: "Leeg laten: jij, met de contactgegevens van je team.",
    contactName: "Naam",
    contactEmail: "E-mailadres",
    contactPhone: "Telefoonnummer",
    contactNameRequired: "Vul de naam van de contactpersoon in, of laat e-mail en telefoon ook leeg.",
    ownLegend: "Eigen kenmerk",
    ownHint: "Alleen je eigen team ziet dit; Betrokken bewaart het versleuteld.",
    reference: "Kenmerk",
    label: "Label",
    labelHint: "Kort, één regel, hoogstens 60 tekens, bijvoorbeeld ‘gezin De V.’.",
    submit: "Registreren",
    busy: "Bezig met registreren…",
    done: (date: string) => `Geregistreerd. Het signaal verloopt op ${date}.`,
    matchHint: "Is een ander team ook betrokken, dan krijg je daarover een bericht.",
    conflict: "Je team heeft al een actief signaal op dit onderwerp voor dit doel. Verleng dat signaal bij Mijn signalen.",
    expiresRange: (from: string, to: string) => `Kies een vervaldatum van ${from} tot en met ${to}.`,
  },

  flags: {
    title: "Mijn signalen",
    intro: "De signalen van je team: waar je team betrokken is, met je eigen kenmerk.",
    empty: "Je team heeft geen signalen.",
    status: { active: "Actief", withdrawn: "Ingetrokken", expired: "Verlopen" },
    purpose: "Doel",
    subject: "Onderwerp",
    subjectTypes: { person: "Persoon", address: "Adres", business: "Bedrijf" } satisfies Record<SubjectType, string>,
    registered: "Geregistreerd",
    expires: "Verloopt",
    contact: "Contactpersoon",
    reference: "Kenmerk",
    label: "Label",
    withdraw: "Intrekken",
    withdrawTitle: "Signaal intrekken?",
    withdrawText: "Het signaal verdwijnt meteen uit de controles van andere teams. Dat kun je niet ongedaan maken.",
    withdrawConfirm: "Ja, intrekken",
    withdrawn: "Het signaal is ingetrokken.",
    renew: "Verlengen",
    renewed: (date: string) => `Verlengd tot ${date}.`,
    editOwn: "Kenmerk wijzigen",
    saved: "Je kenmerk en label zijn opgeslagen.",
    conflict: "Dit signaal is niet meer actief. Vernieuw de lijst.",
  },

  inbox: {
    title: "Berichten",
    matchesTitle: "Overeenkomsten",
    matchesIntro: "Andere teams die betrokken zijn bij hetzelfde onderwerp als een signaal van je team.",
    matchesEmpty: "Geen overeenkomsten.",
    yourFlag: "Je signaal",
    contactDetails: {
      shown: "Contactpersoon",
      on_request: "Contactgegevens krijg je als het team je contactverzoek accepteert.",
      never: "Het beleid deelt hier geen contactgegevens.",
      declined: "Het team heeft je contactverzoek geweigerd; contactgegevens worden niet gedeeld.",
    } satisfies Record<ContactDetails, string>,
    alreadyInContact: "Al in contact",
    notificationsTitle: "Meldingen",
    notificationsEmpty: "Geen meldingen.",
    unread: "Nieuw",
    markRead: "Gelezen",
    markedRead: "Gemarkeerd als gelezen.",
    kinds: {
      match: (teams: string) => `Nieuwe overeenkomst: ook ${teams} is betrokken.`,
      requestIn: (team: string) => `Nieuw contactverzoek van ${team}.`,
      requestAccepted: "Je contactverzoek is geaccepteerd.",
      requestDeclined: "Je contactverzoek is geweigerd.",
      requestExpired: "Een contactverzoek is verlopen zonder besluit.",
      requestWithdrawn: "Een contactverzoek aan je team is ingetrokken.",
      flagExpiring: (date: string) => `Je signaal verloopt op ${date}. Verleng het als je team nog betrokken is.`,
      flagExpired: "Je signaal is verlopen.",
      other: (kind: string) => `Melding: ${kind}`,
    },
    goToRequests: "Naar verzoeken",
  },

  requests: {
    title: "Contactverzoeken",
    incomingTitle: "Aan je team",
    outgoingTitle: "Van je team",
    incomingEmpty: "Geen verzoeken aan je team.",
    outgoingEmpty: "Je team heeft geen verzoeken gedaan.",
    from: "Van",
    to: "Aan",
    purpose: "Doel",
    legalBasis: "Grondslag",
    requesterCaseRef: "Hun zaakkenmerk",
    aboutFlag: "Over je signaal",
    expires: "Verloopt",
    status: {
      pending: "Wacht op besluit",
      accepted: "Geaccepteerd",
      declined: "Geweigerd",
      expired: "Verlopen",
      withdrawn: "Ingetrokken",
    } satisfies Record<RequestStatus, string>,
    accept: "Accepteren",
    declineReason: "Reden",
    declineReasonHint: "Kies een reden; het andere team ziet die reden.",
    chooseReason: "Kies een reden",
    reasonRequired: "Kies een reden om te weigeren; het andere team ziet die.",
    decline: "Weigeren",
    reasons: {
      already_in_contact: "We hebben al contact",
      no_legal_ground: "Geen grondslag om contact te hebben",
      not_relevant: "Niet relevant voor onze zaak",
      case_closed: "Onze zaak is afgesloten",
      other: "Andere reden",
    } satisfies Record<DeclineReason, string>,
    declinedBecause: "Reden",
    withdraw: "Intrekken",
    accepted: "Geaccepteerd. Het andere team krijgt de contactgegevens van je signaal.",
    declined: "Geweigerd.",
    withdrawn: "Je verzoek is ingetrokken.",
    contact: "Contactpersoon",
    contactPending: "De contactpersoon zie je zodra het team je verzoek accepteert.",
    requestName: (team: string, date: string) => `Verzoek van ${team} op ${date}`,
    outgoingName: (team: string, date: string) => `Verzoek aan ${team} op ${date}`,
    conflict: "Over dit verzoek is al beslist, of het is verlopen of ingetrokken. Vernieuw de lijst.",
  },

  contact: {
    name: "Naam",
    email: "E-mail",
    phone: "Telefoon",
  },

  errors: {
    title: "Dat lukte niet",
    more: "Meer informatie",
    byCode: {
      offline: "Geen verbinding. Controleer je internetverbinding en probeer het opnieuw.",
      unauthenticated: "Je bent niet meer ingelogd. Log opnieuw in.",
      invalid_token: "Je bent niet meer ingelogd. Log opnieuw in.",
      forbidden: "Dit mag je niet doen met je rol in dit team.",
      policy_refusal: "Het beleid van je organisatie staat dit niet toe voor dit doel.",
      not_found: "Niet gevonden. Misschien is het al ingetrokken of verlopen.",
      conflict: "Dit kan niet meer: het is intussen veranderd. Vernieuw en probeer het opnieuw.",
      rate_limited: "Je hebt kort na elkaar veel gecontroleerd. Wacht even en probeer het dan opnieuw.",
      invalid_payload: "Niet alles is goed ingevuld. Zie de meldingen bij de velden.",
      invalid_input: "Wat je hebt ingevuld, kan niet worden verwerkt.",
      invalid_pseudonym: "Het versleutelde nummer klopt niet. Probeer het opnieuw.",
      storage_unavailable: "Betrokken is even niet bereikbaar. Er is niets gedaan; probeer het over een paar seconden opnieuw.",
      audit_unavailable: "Betrokken kan dit nu niet vastleggen in het verwerkingslog en doet het daarom niet. Probeer het later opnieuw.",
      audit_log_compromised: "Het verwerkingslog klopt niet meer; Betrokken doet niets tot het is hersteld. Meld dit bij je privacy officer.",
      identity_provider_unavailable: "De inlogdienst is niet bereikbaar. Probeer het later opnieuw.",
      internal_error: "Er ging iets mis bij Betrokken. Er is niets teruggegeven; probeer het opnieuw.",
      payload_too_large: "Wat je verstuurt is te groot.",
      invalid_element: "De versleutelservice weigerde het versleutelde nummer. Probeer het opnieuw.",
      pseudonymiser_unverified: "Het antwoord van de versleutelservice klopt niet. Er is niets naar Betrokken gestuurd.",
      pseudonymiser_no_key: "De versleutelservice heeft geen sleutel voor dit tijdvak.",
      pseudonymiser_refused: "De versleutelservice weigerde het verzoek.",
      popup_blocked: "Het inlogvenster werd geblokkeerd. Sta pop-upvensters toe voor deze site en probeer het opnieuw.",
      signin_cancelled: "Het inloggen is afgebroken.",
      signin_failed: "Inloggen is niet gelukt. Probeer het opnieuw.",
    },
    unknown: "Er ging iets mis. Probeer het opnieuw.",
  },
};

export type Messages = typeof nl;
