/** Why sign-in failed, as a code the UI translates. */
export type SignInProblem = "popup_blocked" | "signin_cancelled" | "signin_failed";

export class SignInError extends Error {
  constructor(
    readonly problem: SignInProblem,
    options?: { cause?: unknown },
  ) {
    super(`sign-in: ${problem}`, options);
    this.name = "SignInError";
  }
}
