import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface Props {
  name: string;
  title: string;
  /** The screen's title in the tab. */
  pageTitle: string;
  /** Whether the h1 takes focus when the screen opens (not on the first page load). */
  focus?: boolean;
  children: ComponentChildren;
}

/** A screen: one h1 that takes focus when it opens, so a screen reader starts there. */
export function Screen({ name, title, pageTitle, focus = true, children }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = pageTitle;
  }, [pageTitle]);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  return (
    <div class="app-screen" data-screen={name}>
      <h1 class="utrecht-heading-1 app-screen__title" tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {children}
    </div>
  );
}
