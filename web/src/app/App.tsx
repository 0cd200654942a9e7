import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Me } from "../api/types";
import { ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { Header } from "../components/Header";
import { Nav } from "../components/Nav";
import { ReauthDialog } from "../components/ReauthDialog";
import { Screen } from "../components/Screen";
import { messages, type Lang } from "../i18n";
import { ConsoleScreen } from "../console/Console";
import { routesFor } from "../console/roles";
import { Check } from "../screens/Check";
import { Flags } from "../screens/Flags";
import { Inbox } from "../screens/Inbox";
import { Register } from "../screens/Register";
import { Requests } from "../screens/Requests";
import { SignIn } from "../screens/SignIn";
import { useStore } from "../store";
import { useAnnouncer } from "./announcer";
import { AppContext, EMPTY_DRAFT, type Services, type ShellContextValue } from "./context";
import { useOnline } from "./online";
import { isConsoleRoute, useRoute, type Route } from "./router";

type Load = { state: "loading" } | { state: "failed"; error: unknown } | { state: "ready"; me: Me };

export function App({ services }: { services: Services }) {
  const [lang, setLang] = useState<Lang>("nl");
  const t = messages[lang];
  const signedIn = useStore(services.session.signedIn);
  const reauthNeeded = useStore(services.session.reauthNeeded);
  const personChanged = useStore(services.session.personChanged);
  const online = useOnline();
  const route = useRoute();
  const [announcement, announce] = useAnnouncer();
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [signedOut, setSignedOut] = useState(false);
  // Bumped on sign-out and team switch: the screens start afresh, their forms empty.
  const [generation, setGeneration] = useState(0);
  const [unread, setUnread] = useState(0);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const loadMe = useCallback(async () => {
    setLoad({ state: "loading" });
    try {
      let me = await services.hub.me();
      const first = me.teams[0];
      if (!me.acting_team && first) {
        // The hub names no acting team for a member of several: work for the first at
        // once; the header names it and switches.
        services.team.set(first.team);
        me = await services.hub.me();
      }
      services.team.set(me.acting_team);
      setLoad({ state: "ready", me });
    } catch (error) {
      setLoad({ state: "failed", error });
    }
  }, [services]);

  useEffect(() => {
    if (signedIn) {
      setSignedOut(false);
      void loadMe();
    }
  }, [signedIn, loadMe]);

  useEffect(() => {
    if (personChanged === 0) return;
    // Someone else signed in at the re-sign-in dialog: nothing of the previous person stays.
    services.draft.set(EMPTY_DRAFT);
    services.team.set(null);
    setGeneration((n) => n + 1);
    void loadMe();
  }, [personChanged, services, loadMe]);

  const refreshUnread = useCallback(() => {
    services.hub.unreadCount().then(setUnread, () => undefined);
  }, [services]);
  const me = load.state === "ready" ? load.me : null;
  // The screens this person may open; an address naming another opens the first of them.
  const routes = useMemo(() => (me ? routesFor(me) : []), [me]);
  const shown = route && routes.includes(route) ? route : routes[0];
  useEffect(() => {
    if (me?.acting_team) refreshUnread();
  }, [me, route, refreshUnread]);

  function signOut() {
    services.session.signOut();
    services.team.set(null);
    services.draft.set(EMPTY_DRAFT);
    setLoad({ state: "loading" });
    setSignedOut(true);
    setGeneration((n) => n + 1);
    setUnread(0);
    location.hash = "#/"; // whoever signs in next starts at their own first screen
  }

  async function switchTeam(team: string) {
    services.team.set(team);
    setGeneration((n) => n + 1);
    await loadMe();
    const name = me?.teams.find((candidate) => candidate.team === team)?.team_name ?? team;
    announce(t.header.teamChanged(name));
  }

  const shell: ShellContextValue = useMemo(
    () => ({ services, t, lang, me, announce }),
    [services, t, lang, me, announce],
  );

  return (
    <AppContext.Provider value={shell}>
      <a class="app-skip-link" href="#main">
        {t.skipToContent}
      </a>
      <Header me={signedIn ? me : null} onLang={setLang} onTeam={switchTeam} onSignOut={signOut} />
      {signedIn && routes.length > 0 && <Nav routes={routes} route={shown} unread={unread} />}
      <main class="app-main" id="main" tabIndex={-1}>
        {!online && (
          <div class="utrecht-alert utrecht-alert--warning app-offline" role="status">
            <div class="utrecht-alert__content">
              <p class="utrecht-paragraph">{t.offline}</p>
            </div>
          </div>
        )}
        {!signedIn ? (
          <SignIn signedOut={signedOut} key={`signin-${generation}`} />
        ) : load.state === "loading" ? (
          <p class="utrecht-paragraph app-busy" role="status">
            {t.loading}
          </p>
        ) : load.state === "failed" ? (
          <Screen name="me-failed" title={t.meFailed} pageTitle={t.pageTitle(t.meFailed)}>
            <ProblemAlert error={load.error} />
            <div class="utrecht-button-group">
              <Button appearance="primary" onClick={loadMe}>
                {t.reload}
              </Button>
            </div>
          </Screen>
        ) : !shown ? (
          <Screen name="no-team" title={t.noTeamTitle} pageTitle={t.pageTitle(t.noTeamTitle)}>
            <p class="utrecht-paragraph">{t.noTeam}</p>
          </Screen>
        ) : (
          <Screens key={`${generation}-${shown}`} route={shown} onInboxChange={refreshUnread} />
        )}
      </main>
      <div class="app-visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {reauthNeeded && <ReauthDialog />}
    </AppContext.Provider>
  );
}

/** The screen of the route; it mounts after sign-in, a team switch or navigation, and so its
 * h1 takes focus every time. */
function Screens({ route, onInboxChange }: { route: Route; onInboxChange(): void }) {
  if (isConsoleRoute(route)) return <ConsoleScreen route={route} />;
  switch (route) {
    case "check":
      return <Check />;
    case "register":
      return <Register />;
    case "flags":
      return <Flags />;
    case "inbox":
      return <Inbox onChange={onInboxChange} />;
    case "requests":
      return <Requests />;
  }
}
