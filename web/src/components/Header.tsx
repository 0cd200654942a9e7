import type { Me } from "../api/types";
import { useShell } from "../app/context";
import type { Lang } from "../i18n";
import { Button } from "./Button";

interface Props {
  me: Me | null;
  onLang(lang: Lang): void;
  onTeam(team: string): void;
  onSignOut(): void;
}

/** The app's header: name, acting team (a switch for members of several), language, sign out. */
export function Header({ me, onLang, onTeam, onSignOut }: Props) {
  const { t } = useShell();
  const other = t.header.switchLanguageLang as Lang;
  return (
    <header class="app-header">
      <div class="app-header__bar">
        <p class="app-brand">{t.appName}</p>
        <div class="app-header__actions">
          <Button appearance="subtle" lang={other} onClick={() => onLang(other)}>
            {t.header.switchLanguage}
          </Button>
          {me && (
            <Button appearance="subtle" onClick={onSignOut}>
              {t.header.signOut}
            </Button>
          )}
        </div>
      </div>
      {me && (
        <div class="app-header__who">
          <p class="app-header__name">{t.header.signedInAs(me.name ?? me.member)}</p>
          {me.teams.length > 1 ? (
            <div class="app-team-switch">
              <label class="utrecht-form-label" for="team-switch">
                {t.header.team}
              </label>
              <select
                id="team-switch"
                class="utrecht-select utrecht-select--html-select"
                value={me.acting_team ?? ""}
                onChange={(event) => onTeam(event.currentTarget.value)}
              >
                {me.teams.map((team) => (
                  <option key={team.team} value={team.team}>
                    {team.team_name}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            me.teams[0] && (
              <p class="app-header__team">
                {t.header.team}: {me.teams[0].team_name}
              </p>
            )
          )}
        </div>
      )}
    </header>
  );
}
