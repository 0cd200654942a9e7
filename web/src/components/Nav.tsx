import { useShell } from "../app/context";
import { href, type Route } from "../app/router";

/** The main menu: a bar at the bottom on a phone (in reach of a thumb), at the top on a desk. */
export function Nav({ routes, route, unread }: { routes: readonly Route[]; route: Route | undefined; unread: number }) {
  const { t } = useShell();
  return (
    <nav class="app-nav" aria-label={t.nav.label}>
      <ul class="app-nav__list">
        {routes.map((name) => (
          <li key={name} class="app-nav__item">
            <a class="app-nav__link" href={href(name)} aria-current={name === route ? "page" : undefined}>
              {t.nav[name]}
              {name === "inbox" && unread > 0 && (
                <>
                  <span class="app-badge" aria-hidden="true">
                    {unread}
                  </span>
                  <span class="app-visually-hidden">{t.nav.unread(unread)}</span>
                </>
              )}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
