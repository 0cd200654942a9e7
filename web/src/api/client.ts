/**
 * The app's one door to the hub and the pseudonymiser: adds the bearer token and the acting
 * team, turns every failure into an ApiError, and on a 401 waits for the user to sign in
 * again and retries once, so a form keeps its values.
 */

import { SignInError } from "../auth/errors";
import type { Session } from "../auth/session";
import type { AppConfig } from "../config";
import type { IdentifierKind } from "../crypto/identifiers";
import { pseudonymise, PseudonymiserError, type Pseudonym } from "../crypto/pseudonymise";
import type { Store } from "../store";
import { ApiError, errorOfBody, problemOf } from "./errors";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export class Client {
  constructor(
    private readonly config: AppConfig,
    private readonly session: Session,
    /** The acting team, sent as `Betrokken-Team`; null lets the hub choose. */
    private readonly team: Store<string | null>,
  ) {}

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return this.withToken(async (token) => {
      const response = await this.send(token, method, path, "application/json", body);
      return (await response.json()) as T;
    });
  }

  /** A non-JSON answer (a CSV, a printable page, an export) as text with its media type. */
  async requestText(
    method: Method,
    path: string,
    accept: string,
    body?: unknown,
  ): Promise<{ text: string; contentType: string }> {
    return this.withToken(async (token) => {
      const response = await this.send(token, method, path, accept, body);
      return { text: await response.text(), contentType: response.headers.get("content-type") ?? "" };
    });
  }

  private async send(token: string, method: Method, path: string, accept: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: accept };
    const team = this.team.get();
    if (team) headers["Betrokken-Team"] = team;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.config.api + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError("offline", null);
    }
    if (!response.ok) throw await problemOf(response);
    return response;
  }

  /** The pseudonym of an identifier; the caller validated it first. */
  async pseudonymise(kind: IdentifierKind, value: string): Promise<Pseudonym> {
    return this.withToken(async (token) => {
      try {
        return await pseudonymise(kind, value, {
          pseudonymiserUrl: this.config.pseudonymiser,
          token,
          epoch: this.config.epoch,
        });
      } catch (error) {
        if (!(error instanceof PseudonymiserError)) throw error;
        switch (error.problem) {
          case "unauthenticated":
            throw new ApiError("unauthenticated", 401);
          case "offline":
            throw new ApiError("offline", null);
          case "refused":
            throw errorOfBody(error.status ?? 500, error.body, "pseudonymiser_refused");
          default:
            throw new ApiError(`pseudonymiser_${error.problem}`, null);
        }
      }
    });
  }

  private async withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.token();
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      this.session.expire(token);
      return call(await this.token());
    }
  }

  private async token(): Promise<string> {
    try {
      return await this.session.accessToken();
    } catch (error) {
      if (error instanceof SignInError) throw new ApiError(error.problem, null);
      throw error;
    }
  }
}
