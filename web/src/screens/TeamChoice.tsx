import { useState } from "preact/hooks";
import type { Me } from "../api/types";
import { useShell } from "../app/context";
import { Button } from "../components/Button";
import { RadioGroup } from "../components/Field";
import { Screen } from "../components/Screen";

/**
 * A member of several teams says for which team they work now: the hub names no acting team
 * for them, and every check and flag is on behalf of one team.
 */
export function TeamChoice({ me, onChoose }: { me: Me; onChoose(team: string): void }) {
  const { t } = useShell();
  const [team, setTeam] = useState(me.teams[0]?.team ?? "");
  return (
    <Screen name="team" title={t.teamChoice.title} pageTitle={t.pageTitle(t.teamChoice.title)}>
      <p class="utrecht-paragraph">{t.teamChoice.intro}</p>
      <form
        class="app-form"
        onSubmit={(event) => {
          event.preventDefault();
          onChoose(team);
        }}
      >
        <RadioGroup
          name="team-choice"
          legend={t.header.team}
          value={team}
          onValue={setTeam}
          options={me.teams.map((option) => ({ value: option.team, label: option.team_name }))}
        />
        <div class="utrecht-button-group">
          <Button type="submit" appearance="primary">
            {t.teamChoice.submit}
          </Button>
        </div>
      </form>
    </Screen>
  );
}
