import { useShell } from "../../app/context";
import { Screen } from "../../components/Screen";
import { useText } from "../text";
import { text } from "./text";

/** (skeleton: to be built) */
export function Policy() {
  const { t } = useShell();
  const own = useText(text);
  return (
    <Screen name="console-policy" title={own.title} pageTitle={t.pageTitle(own.title)}>
      <p class="utrecht-paragraph">{own.intro}</p>
    </Screen>
  );
}
