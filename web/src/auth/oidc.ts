/**
 * OpenID Connect sign-in: authorization code with PKCE (S256) in a popup, through
 * oauth4webapi. The verifier, state and nonce live in this function's closure only; the
 * tokens are returned to the caller, which keeps them in memory.
 */

import * as oauth from "oauth4webapi";
import type { OidcConfig } from "../config";
import { SignInError } from "./errors";
import { waitForCallback } from "./popup";

export interface Tokens {
  readonly accessToken: string;
  /** Who signed in (the ID token's `sub`). */
  readonly subject: string;
  /** Epoch milliseconds after which the app asks to sign in again. */
  readonly expiresAt: number;
}

const EXPIRY_MARGIN_MS = 30_000; // ask again a little before the provider would refuse

/** Plain http is only acceptable for a provider on this machine (development). */
function insecureAllowed(url: string | undefined): boolean {
  if (!url) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

let metadata: Promise<oauth.AuthorizationServer> | undefined;

/** The provider's metadata: from the config when it names the endpoints, else discovery. */
function authorizationServer(oidc: OidcConfig): Promise<oauth.AuthorizationServer> {
  if (oidc.authorization_endpoint && oidc.token_endpoint) {
    return Promise.resolve({
      issuer: oidc.issuer,
      authorization_endpoint: oidc.authorization_endpoint,
      token_endpoint: oidc.token_endpoint,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ["S256"],
    });
  }
  metadata ??= (async () => {
    const issuer = new URL(oidc.issuer);
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: "oidc",
      [oauth.allowInsecureRequests]: insecureAllowed(oidc.issuer),
    });
    return oauth.processDiscoveryResponse(issuer, response);
  })();
  metadata.catch(() => (metadata = undefined));
  return metadata;
}

/** Open the sign-in popup; call it straight from a click, or the browser blocks it. */
export function openSignInPopup(): Window {
  const width = Math.min(520, screen.availWidth);
  const height = Math.min(720, screen.availHeight);
  const left = Math.max(0, (screen.availWidth - width) / 2);
  const top = Math.max(0, (screen.availHeight - height) / 2);
  const popup = window.open("about:blank", "betrokken-signin", `popup,width=${width},height=${height},left=${left},top=${top}`);
  if (!popup) throw new SignInError("popup_blocked");
  return popup;
}

/** Run the whole sign-in in `popup` and return the tokens. */
export async function signIn(oidc: OidcConfig, popup: Window): Promise<Tokens> {
  try {
    const as = await authorizationServer(oidc);
    const client: oauth.Client = { client_id: oidc.client_id };
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const url = new URL(as.authorization_endpoint!);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", oidc.client_id);
    url.searchParams.set("redirect_uri", oidc.redirect_uri);
    url.searchParams.set("scope", oidc.scope);
    url.searchParams.set("state", state);
    url.searchParams.set("nonce", nonce);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    if (oidc.resource) url.searchParams.set("resource", oidc.resource);
    popup.location.href = url.href;

    const callback = await waitForCallback(popup);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      oauth.None(),
      params,
      oidc.redirect_uri,
      verifier,
      {
        [oauth.allowInsecureRequests]: insecureAllowed(as.token_endpoint),
        ...(oidc.resource ? { additionalParameters: { resource: oidc.resource } } : {}),
      },
    );
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (!claims) throw new SignInError("signin_failed");
    const lifetime = (result.expires_in ?? 300) * 1000;
    return {
      accessToken: result.access_token,
      subject: claims.sub,
      expiresAt: Date.now() + Math.max(lifetime - EXPIRY_MARGIN_MS, lifetime / 2),
    };
  } catch (error) {
    if (!popup.closed) popup.close();
    if (error instanceof SignInError) throw error;
    throw new SignInError("signin_failed", { cause: error });
  }
}
