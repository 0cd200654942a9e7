// A certified OpenID provider (panva/oidc-provider) for the identity tests, on 127.0.0.1.
//
// Usage: node provider.mjs CONFIG.json
//
// The JSON file, written by tests/identity/provider.py, holds what changes per run: the port,
// the signing keys (so a test can rotate them by restarting on the same port), the demo
// accounts and connectors with their organisation/teams/roles, the connector's public key for
// private_key_jwt, and for the web app's tests its callback as another redirect URI of
// betrokken-web and the origins that may call the token endpoint from a browser (CORS).
// Everything else, the clients and the resource server, is here.
//
// Test-only endpoint: GET /test/jwks-count answers how often the JWKS was fetched.

import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

// RFC 8707 resource indicators: the hub, and an unrelated API for wrong-audience tokens.
const RESOURCES = {
  [config.resource]: { audience: config.audience, scope: 'betrokken' },
  'urn:example:other-api': { audience: 'other-api', scope: 'betrokken' },
};

const identityOf = (token) => (token.accountId
  ? config.accounts[token.accountId]
  : (config.connectors[token.clientId] ?? config.services?.[token.clientId])?.claims);

const provider = new Provider(issuer, {
  clients: [
    {
      // The web page: a browser app, public, authorization code + PKCE (S256).
      client_id: 'betrokken-web',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [config.web_redirect_uri, ...(config.web_redirect_uris ?? [])],
    },
    {
      // The mobile handhavingsapp: a native app, public, PKCE, a private-use URI scheme.
      client_id: 'betrokken-mobile',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [config.mobile_redirect_uri],
    },
    ...Object.entries(config.connectors).map(([clientId, connector]) => ({
      // A chain connector: client credentials, authenticated with private_key_jwt.
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: connector.jwks,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    ...Object.entries(config.services ?? {}).map(([clientId, service]) => ({
      // A deployment's own job (onboarding): client credentials with a secret.
      client_id: clientId,
      client_secret: service.secret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
  ],
  jwks: config.jwks,
  async findAccount(ctx, sub) {
    const account = config.accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, name: account.name }; } };
  },
  async extraTokenClaims(ctx, token) {
    const identity = identityOf(token);
    if (!identity) return undefined;
    return {
      name: identity.name,
      organisation: identity.organisation,
      teams: identity.teams,
      roles: identity.roles,
    };
  },
  pkce: { required: () => true },
  // Browser calls (the web app's code exchange) only from the origins the test names, and
  // only for the public browser client.
  clientBasedCORS(ctx, origin, client) {
    return client.clientId === 'betrokken-web' && (config.cors_origins ?? []).includes(origin);
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.resource,
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resourceIndicator) {
        const resource = RESOURCES[resourceIndicator];
        if (!resource) throw new Provider.errors.InvalidTarget();
        return {
          ...resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: config.access_token_ttl ?? 300,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
});

let jwksFetches = 0;
provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/test/jwks-count') {
    ctx.body = { count: jwksFetches };
    return;
  }
  if (ctx.path === '/jwks') jwksFetches += 1;
  await next();
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`listening on ${issuer}\n`);
});
