import type { ComponentChildren, JSX } from "preact";

type Props = Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, "class"> & {
  appearance?: "primary" | "secondary" | "subtle";
  busy?: boolean;
  children: ComponentChildren;
};

const APPEARANCE = {
  primary: "utrecht-button--primary-action",
  secondary: "utrecht-button--secondary-action",
  subtle: "utrecht-button--subtle",
} as const;

/** The NL Design System button; busy keeps its name and says so with aria-busy. */
export function Button({ appearance = "secondary", busy = false, type = "button", children, ...rest }: Props) {
  return (
    <button
      {...rest}
      type={type}
      class={`utrecht-button ${APPEARANCE[appearance]}${busy ? " utrecht-button--busy" : ""}`}
      aria-busy={busy ? "true" : undefined}
      aria-disabled={busy ? "true" : undefined}
      onClick={busy ? (event) => event.preventDefault() : rest.onClick}
    >
      {children}
    </button>
  );
}
