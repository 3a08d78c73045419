// A real OAuth 2 / OpenID Connect provider for the test suites.
//
// Any email address is an account, every client registers itself through
// dynamic client registration, consent is always given, and a `login_hint`
// signs the user in without a page, so a test can run the whole authorization
// code flow with an HTTP client that keeps cookies and follows redirects.
// Everything is kept in memory; nothing about it is fit for production.
//
//   OIDC_PORT               port on 127.0.0.1 (default 4011)
//   OIDC_ACCESS_TOKEN_TTL   access token lifetime in seconds (default 3600)

import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 4011);
const accessTokenTtl = Number(process.env.OIDC_ACCESS_TOKEN_TTL || 3600);
const issuer = `http://127.0.0.1:${port}`;

// Keys made at startup: nothing outlives the process, and passing our own
// keeps the provider from falling back to its published development keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  alg: 'RS256',
  use: 'sig',
};

// The provider's own memory adapter is a cache capped at a few thousand
// entries; a long test run must never lose a client or token it still uses,
// so this one is a plain map that only forgets what has expired.
const store = new Map(); // "Model:id" -> { payload, expiresAt }
const byGrant = new Map(); // "Model:grantId" -> Set of "Model:id"
const sessionByUid = new Map(); // session uid -> session id

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload, expiresAt });
    if (this.model === 'Session') sessionByUid.set(payload.uid, id);
    if (payload.grantId) {
      const grantKey = this.key(payload.grantId);
      if (!byGrant.has(grantKey)) byGrant.set(grantKey, new Set());
      byGrant.get(grantKey).add(key);
    }
  }

  async find(id) {
    const key = this.key(id);
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    const id = sessionByUid.get(uid);
    const payload = id === undefined ? undefined : await this.find(id);
    return payload?.uid === uid ? payload : undefined; // the session may have moved on
  }

  async findByUserCode() {
    return undefined; // the device flow is not enabled
  }

  async consume(id) {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const grantKey = this.key(grantId);
    for (const key of byGrant.get(grantKey) ?? []) store.delete(key);
    byGrant.delete(grantKey);
  }
}

// Any email is an account; its id is the lower-cased address. Addresses whose
// local part starts with "unverified" report an unverified email, so tests
// can exercise that branch.
function account(email) {
  const accountId = email.trim().toLowerCase();
  const local = accountId.split('@')[0];
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        email: accountId,
        email_verified: !local.startsWith('unverified'),
        name: local.charAt(0).toUpperCase() + local.slice(1),
      };
    },
  };
}

const day = 24 * 60 * 60;

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: (ctx, id) => account(id),

  // The API scopes are listed with the OpenID ones so that they are granted
  // like them and show up in the token response's `scope` without the
  // resource indicator machinery.
  scopes: ['openid', 'email', 'profile', 'offline_access', 'mail.read', 'mail.send', 'files.read'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put the scope's claims in the ID token too, as most real providers do,
  // not only behind the userinfo endpoint.
  conformIdTokenClaims: false,

  responseTypes: ['code'],
  clientDefaults: {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  // Every authorization request must carry an S256 code challenge (S256 is
  // the only method this version of the provider knows).
  pkce: { required: () => true },

  // A refresh token with every code exchange, without asking for
  // offline_access, and a new one on every refresh: the old one is then
  // spent, and presenting it again fails with invalid_grant (and, as reuse
  // detection, revokes every token of that grant).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  // Tokens are not tied to the browser session (which a test does not keep).
  expiresWithSession: async () => false,

  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    RefreshToken: 14 * day,
    Interaction: 60 * 60,
    Session: 14 * day,
    Grant: 14 * day,
  },

  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    revocation: {
      enabled: true,
      // A client may revoke only its own tokens (the provider's default rule).
      allowedPolicy: async (ctx, client, token) => {
        if (token.clientId !== client.clientId) {
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        }
        return true;
      },
    },
  },

  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },

  async renderError(ctx, out) {
    ctx.type = 'text';
    ctx.body = Object.entries(out).map(([key, value]) => `${key}: ${value}`).join('\n');
  },
});

// --- what the tests ask about -------------------------------------------------

const refreshes = new Map(); // client_id -> successful refresh_token grants
const revocations = new Map(); // client_id -> tokens revoked

// client_id -> milliseconds its token requests are held before being
// answered, so that tests can make a refresh slow enough to race.
const slowTokens = new Map();

/** The client id of an HTTP Basic `Authorization` header, if any. */
function basicClientId(header) {
  const [scheme, encoded] = (header ?? '').split(' ');
  if (scheme !== 'Basic' || !encoded) return undefined;
  const user = Buffer.from(encoded, 'base64').toString().split(':')[0];
  return decodeURIComponent(user.replace(/\+/g, ' '));
}

const bump = (counts, clientId) => counts.set(clientId, (counts.get(clientId) ?? 0) + 1);

provider.on('grant.success', (ctx) => {
  if (ctx.oidc.params.grant_type === 'refresh_token') bump(refreshes, ctx.oidc.client.clientId);
});

// --- interactions: sign-in and consent ------------------------------------------

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function signInPage(uid, error) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to Test Provider</title></head>
<body>
  <h1>Sign in to Test Provider</h1>
  ${error ? `<p role="alert">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}">
    <label>Email <input name="email" type="email" autofocus></label>
    <button type="submit">Sign in</button>
  </form>
</body>
</html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function finish(ctx, result, mergeWithLastSubmission) {
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
  ctx.status = 303;
  ctx.redirect(to);
}

async function interaction(ctx) {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    // Non-browser tests name the user up front; a browser gets the form.
    let email = params.login_hint;
    if (ctx.method === 'POST') email = (await readForm(ctx.req)).get('email');
    if (!email?.includes('@')) {
      ctx.type = 'html';
      ctx.body = signInPage(details.uid, ctx.method === 'POST' ? 'Enter an email address.' : '');
      return;
    }
    await finish(ctx, { login: { accountId: account(email).accountId } }, false);
    return;
  }

  if (prompt.name === 'consent') {
    // Grant whatever was asked for.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finish(ctx, { consent: { grantId } }, true);
    return;
  }

  ctx.throw(400, `unexpected prompt ${prompt.name}`);
}

// In front of the provider's own routes.
provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/interaction/')) {
    try {
      await interaction(ctx);
    } catch (err) {
      ctx.status = err.statusCode || err.status || 500;
      ctx.type = 'text';
      ctx.body = `${err.name}: ${err.error_description || err.message}`;
    }
    return;
  }

  if (ctx.method === 'POST' && ctx.path === '/test/slow-token') {
    slowTokens.set(ctx.query.client_id, Number(ctx.query.ms ?? 0));
    ctx.body = { ok: true };
    return;
  }

  if (ctx.method === 'POST' && ctx.path === '/token') {
    const delay = slowTokens.get(basicClientId(ctx.get('authorization')));
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
  }

  if (ctx.method === 'GET' && (ctx.path === '/test/refreshes' || ctx.path === '/test/revocations')) {
    const counts = ctx.path === '/test/refreshes' ? refreshes : revocations;
    ctx.body = { count: counts.get(ctx.query.client_id) ?? 0 };
    return;
  }

  await next();

  // The revocation endpoint answers 200 even for unknown tokens; count only
  // the requests that found one of the client's tokens and revoked it.
  if (ctx.oidc?.route === 'revocation' && ctx.status === 200) {
    const { AccessToken, RefreshToken, Client } = ctx.oidc.entities;
    if ((AccessToken || RefreshToken) && Client) bump(revocations, Client.clientId);
  }
});

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => console.log(`test OIDC provider, issuer ${issuer}`));

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
