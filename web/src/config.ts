/** The app's settings, from /app/config.json (served by the hub, never cached). */

export interface OidcConfig {
  readonly issuer: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly client_id: string;
  readonly scope: string;
  readonly resource?: string | null;
  readonly redirect_uri: string;
}

export interface AppConfig {
  readonly api: string;
  readonly pseudonymiser: string;
  readonly epoch: string | null;
  readonly oidc: OidcConfig;
  readonly development: boolean;
}

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch(new URL("config.json", document.baseURI), { cache: "no-store", credentials: "omit" });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const config = (await response.json()) as AppConfig;
  // Relative paths resolve against the page, so a hub on any origin works.
  return { ...config, api: new URL(config.api, document.baseURI).href.replace(/\/$/, "") };
}
