// An OpenID provider for the gateway's tests and demo, built on oidc-provider with its
// development login pages (any login name and password are accepted).
//
//   node idp/provider.mjs --port P [--issuer URL] [--host 127.0.0.1] [--config FILE.json] [--jwks FILE.json]
//
// Prints one line `READY <issuer>` on stdout once listening; logs go to stderr. With `--port 0`
// and no `--issuer`, the port is chosen by the system and the issuer is `http://127.0.0.1:<port>`.
// The config file is JSON (see README.md next to this file); everything has a default.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const DEFAULT_CONFIG = {
  clients: [
    {
      client_id: 'gateway-web',
      client_secret_env: 'IDP_GATEWAY_WEB_SECRET',
      client_secret: 'gateway-web-secret',
      redirect_uris: ['http://127.0.0.1:8080/oauth2/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1:8080/'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
    },
    {
      client_id: 'gateway-device',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
  ],
  resources: {
    'urn:gateway:api': { scope: 'api:read api:write', accessTokenFormat: 'jwt' },
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // Extra claims per login name, merged over the generated ones (e.g. {"alice": {"org": {"id": 1}}}).
  accounts: {},
  ttl: {},
  conformIdTokenClaims: false,
};

function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      issuer: { type: 'string' },
      config: { type: 'string' },
      jwks: { type: 'string' },
    },
  });
  return values;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function loadConfig(args) {
  const fromFile = args.config ? readJson(args.config) : {};
  const config = { ...DEFAULT_CONFIG, ...fromFile };
  if (args.jwks) config.jwks = readJson(args.jwks);
  return config;
}

// Client entries are registration metadata, plus `client_secret_env` naming an environment
// variable that, when set, overrides `client_secret`.
function clientMetadata(entry) {
  const { client_secret_env: secretEnv, ...metadata } = entry;
  if (secretEnv && process.env[secretEnv]) metadata.client_secret = process.env[secretEnv];
  if (metadata.token_endpoint_auth_method === 'none') delete metadata.client_secret;
  return metadata;
}

function accountClaims(config, login) {
  const groups = login.startsWith('admin') ? ['admins', 'users'] : ['users'];
  return {
    sub: login,
    email: `${login}@example.com`,
    email_verified: true,
    name: login,
    preferred_username: login,
    groups,
    ...(config.accounts[login] ?? {}),
  };
}

function resourceServerInfo(config) {
  return async (_ctx, indicator) => {
    const resource = config.resources[indicator];
    if (!resource) throw new errors.InvalidTarget();
    return {
      scope: resource.scope ?? '',
      audience: resource.audience ?? indicator,
      accessTokenTTL: resource.accessTokenTTL ?? 600,
      accessTokenFormat: resource.accessTokenFormat ?? 'jwt',
      jwt: { sign: { alg: resource.alg ?? 'RS256' } },
    };
  };
}

function isLoopbackUrl(url) {
  const { hostname } = new URL(url);
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

// The provider refuses outgoing requests (back-channel logout) to special-use addresses by
// handing fetch an SSRF-guarding dispatcher; loopback receivers are the test and demo setup.
function fetchAllowingLoopback(url, options) {
  if (isLoopbackUrl(String(url))) delete options.dispatcher;
  return globalThis.fetch(url, options);
}

function providerConfiguration(config) {
  const scopes = ['openid', 'offline_access', ...Object.keys(config.claims)];
  for (const resource of Object.values(config.resources)) {
    scopes.push(...(resource.scope ?? '').split(' ').filter(Boolean));
  }
  return {
    clients: config.clients.map(clientMetadata),
    jwks: config.jwks,
    cookies: { keys: config.cookieKeys ?? ['idp-cookie-key-for-tests-and-demo'] },
    claims: config.claims,
    scopes: [...new Set(scopes)],
    conformIdTokenClaims: config.conformIdTokenClaims,
    ttl: config.ttl,
    findAccount: async (_ctx, login) => ({
      accountId: login,
      claims: async () => accountClaims(config, login),
    }),
    // Clients allowed the refresh_token grant get a refresh token from the code flow without
    // `prompt=consent`, so that a relying party asking for offline_access needs no extra prompt.
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
      && (code.scopes.has('offline_access') || code.kind === 'AuthorizationCode'),
    fetch: fetchAllowingLoopback,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => false,
        getResourceServerInfo: resourceServerInfo(config),
      },
    },
  };
}

async function main() {
  const args = parseCommandLine();
  const config = loadConfig(args);
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(args.port), args.host, resolve);
  });
  const issuer = args.issuer ?? `http://${args.host}:${server.address().port}`;
  const provider = new Provider(issuer, providerConfiguration(config));
  provider.on('server_error', (_ctx, error) => console.error('server_error', error));
  server.on('request', provider.callback());
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`READY ${issuer}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
