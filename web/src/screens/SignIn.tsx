import { useShell } from "../app/context";
import { Notice, ProblemAlert } from "../components/Alerts";
import { Button } from "../components/Button";
import { Screen } from "../components/Screen";
import { useAction } from "../forms";

/** The first screen: sign in through the organisation's identity provider, in a popup. */
export function SignIn({ signedOut }: { signedOut: boolean }) {
  const { t, services } = useShell();
  const action = useAction();
  return (
    <Screen name="sign-in" title={t.signIn.title} pageTitle={t.pageTitle(t.signIn.title)} focus={signedOut}>
      {signedOut && (
        <Notice type="info">
          <p class="utrecht-paragraph">{t.signIn.signedOut}</p>
        </Notice>
      )}
      <p class="utrecht-paragraph">{t.signIn.intro}</p>
      {services.config.development && <p class="utrecht-paragraph">{t.signIn.development}</p>}
      {action.error !== null && <ProblemAlert error={action.error} />}
      <div class="utrecht-button-group">
        <Button appearance="primary" busy={action.busy} onClick={() => action.run(() => services.session.signIn())}>
          {t.signIn.button}
        </Button>
      </div>
      {action.busy && <p class="utrecht-paragraph app-busy">{t.signIn.waiting}</p>}
    </Screen>
  );
}
