// panva's oidc-provider on a free loopback port, configured by the JSON file named on the command
// line (tests/oidc/provider.py writes it; its docstring lists the keys). Prints one JSON line,
// {"issuer": ...}, once it listens. Besides the provider's own endpoints it serves:
//   /interaction/<uid>        finishes login and consent at once (headless), as the account
//                             named by login_hint or by the last POST /_test/sign-in-as?account=
//   GET  /_test/stats         tokens issued per client, sign-ins (authorization codes redeemed)
//   GET  <api.path>           a stand-in Mobile Identity resource: checks the bearer token (opaque
//                             through the provider's store, JWT by signature and audience) and
//                             the scope, then answers 404 not_found (the token was good)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { importJWK, jwtVerify } from 'jose';
import Provider, { errors, interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts ?? {};
const api = config.api ?? null;
const state = { signInAs: config.sign_in_as ?? Object.keys(accounts)[0], signIns: 0, tokens: {} };

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
const { d, p, q, dp, dq, qi, ...publicJwk } = signingKey;
const verifyKey = await importJWK(publicJwk, 'RS256');

const server = createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

// Streamlit's st.login asks for prompt=select_account: the provider refuses a prompt its
// policy does not list.
const policy = interactionPolicy.base();
policy.unshift(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }));

const provider = new Provider(issuer, {
  clients: config.clients ?? [],
  scopes: ['openid', 'offline_access', ...(config.scopes ?? [])],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
  // Put the scopes' claims in the ID token, as Streamlit reads the signed-in user from it.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, email_verified: true, ...account }; } };
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  // The default tolerance (15 s) would keep an expired test token alive for the whole test.
  clockTolerance: 0,
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    ClientCredentials: (ctx, token, client) => config.token_ttl?.[client.clientId] ?? 600,
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Grant: 600,
    Interaction: 600,
    Session: 600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // The default page asks "sign out?" and loads a web font; this one says yes by itself.
      logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><body>${form}<script>
          const form = document.getElementById('op.logoutForm');
          form.insertAdjacentHTML('beforeend', '<input type="hidden" name="logout" value="yes">');
          form.submit();
        </script></body></html>`;
      },
    },
    resourceIndicators: {
      enabled: true,
      // The console sends no resource parameter: a client listed here gets tokens for its API.
      defaultResource: (ctx, client, oneOf) => oneOf ?? config.default_resource?.[client.clientId],
      useGrantedResource: () => true,
      getResourceServerInfo(ctx, resource) {
        const info = config.resource_servers?.[resource];
        if (!info) throw new errors.InvalidTarget();
        return { audience: resource, ...info };
      },
    },
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});

provider.on('grant.success', (ctx) => {
  const { grant_type: grantType } = ctx.oidc.params;
  if (grantType === 'client_credentials') {
    const id = ctx.oidc.client.clientId;
    state.tokens[id] = (state.tokens[id] ?? 0) + 1;
  } else if (grantType === 'authorization_code') {
    state.signIns += 1;
  }
});

async function finishInteraction(ctx) {
  const { params } = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = params.login_hint ?? state.signInAs;
  if (!accounts[accountId]) ctx.throw(400, `no account ${accountId}`);
  const grant = new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const result = { select_account: {}, login: { accountId }, consent: { grantId: await grant.save() } };
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
}

async function serveApi(ctx) {
  const [scheme, value] = (ctx.get('authorization') || ' ').split(' ');
  let scope;
  if (scheme.toLowerCase() === 'bearer' && value) {
    if (value.split('.').length === 3) {
      try {
        ({ payload: { scope } } = await jwtVerify(value, verifyKey, { issuer, audience: api.audience }));
      } catch { /* invalid: answered below */ }
    } else {
      scope = (await provider.ClientCredentials.find(value))?.scope;
    }
  }
  if (scope === undefined) {
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
  } else if (!scope.split(' ').includes(api.scope)) {
    ctx.status = 403;
    ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${api.scope}"`);
  } else {
    ctx.status = 404;
    ctx.body = { error: 'not_found' };
  }
}

provider.use(async (ctx, next) => {
  if (ctx.path.startsWith('/interaction/')) return finishInteraction(ctx);
  if (ctx.path === '/_test/stats') {
    ctx.body = { tokens: state.tokens, sign_ins: state.signIns };
    return undefined;
  }
  if (ctx.path === '/_test/sign-in-as' && ctx.method === 'POST') {
    state.signInAs = ctx.query.account;
    ctx.status = 204;
    return undefined;
  }
  if (api && ctx.path === api.path) return serveApi(ctx);
  return next();
});

server.on('request', provider.callback());
process.on('SIGTERM', () => { server.close(); process.exit(0); });
console.log(JSON.stringify({ issuer }));
