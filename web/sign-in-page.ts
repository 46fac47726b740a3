import { sitePath } from './base-path.ts';
import { AUTH_CLIENT } from './client-helpers.ts';
import { escapeHtml, htmlDocument, siteHeader } from './html.ts';
import { LOCAL_PAGE_AUTH, type PageAuth } from './page-auth.ts';

export interface SignInPageModel {
  /** Where to go after signing in (a path on this site). */
  next: string;
  /** Who is signed in already, if anyone (local sign-in: the server sees the cookie). */
  signedInAs: string | null;
  /** Why the last attempt failed. */
  error?: string;
  /** How this deployment signs people in. */
  auth?: PageAuth;
  /** The path the site is served under (web/base-path.ts); `next` is a path on the site, without it. */
  basePath?: string;
}

const PAGE_CSS = `
.page.sign-in { max-width: 36rem; padding-top: 2rem; }
.field { display: grid; gap: 0.3rem; margin-bottom: 0.85rem; }
.field label { font-weight: 600; }
.field textarea, .field input { width: 100%; font: inherit; padding: 0.5rem 0.6rem; border: 1px solid var(--border-strong); border-radius: 6px; background: #fff; color: var(--text); }
.field textarea { font: 0.85rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; min-height: 7rem; resize: vertical; overflow-wrap: anywhere; }
.sign-in .notice { margin-bottom: 1rem; }
.sign-in form + form { margin-top: 1rem; }
.secret { display: block; padding: 0.5rem; background: #f4f5f7; border-radius: 6px; overflow-wrap: anywhere; user-select: all; }
`;

/**
 * `GET /sign-in`. Locally (`auth: local`) the stand-in for Cognito: paste the token `sergas user create`
 * printed; the server keeps it in an HttpOnly, SameSite=Strict cookie, so the pages' requests carry it and
 * no script can read it. With Cognito the page's script signs in at Cognito itself (e-mail and password,
 * then a new password or a TOTP code when Cognito asks) and keeps the tokens in this tab (AUTH_CLIENT).
 */
export function signInPage(model: SignInPageModel): string {
  const auth = model.auth ?? LOCAL_PAGE_AUTH;
  return auth.auth === 'cognito' ? cognitoSignInPage(model, auth) : localSignInPage(model, auth);
}

function localSignInPage(model: SignInPageModel, auth: PageAuth): string {
  const basePath = model.basePath ?? '';
  const action = escapeHtml(sitePath(basePath, '/sign-in'));
  const error = model.error
    ? `<div class="notice tone-danger" role="alert" data-testid="sign-in-error"><p>${escapeHtml(model.error)}</p></div>`
    : '';
  const current = model.signedInAs
    ? `<div class="notice tone-info" role="status"><p>Signed in as <strong data-testid="signed-in-as">${escapeHtml(model.signedInAs)}</strong>.</p></div>`
    : '';
  const signOut = model.signedInAs
    ? `<form method="post" action="${action}">
<input type="hidden" name="action" value="sign_out">
<input type="hidden" name="next" value="/sign-in">
<button class="button" type="submit">Sign out</button>
</form>`
    : '';
  const body = `${siteHeader(basePath)}
<main id="main" class="page sign-in">
<div class="card">
<h1>Sign in</h1>
${error}${current}
<form method="post" action="${action}" id="sign-in-form">
<input type="hidden" name="action" value="sign_in">
<input type="hidden" name="next" value="${escapeHtml(model.next)}">
<div class="field">
<label for="token">Your token</label>
<textarea id="token" name="token" required autocomplete="off" spellcheck="false" aria-describedby="token-help"></textarea>
<p id="token-help" class="small muted">An administrator creates it with <code>sergas user create --role rep --zoho-user &lt;id&gt;</code>.</p>
</div>
<button class="button primary" type="submit">Sign in</button>
</form>
${signOut}
</div>
</main>`;
  return htmlDocument({ title: 'Sign in · Sergas', body, css: PAGE_CSS, auth, basePath });
}

/**
 * Every form's submit button starts disabled and the script enables it: without the script nothing is
 * submitted anywhere (a password must never end up in a URL or at our server).
 */
function cognitoSignInPage(model: SignInPageModel, auth: PageAuth): string {
  const basePath = model.basePath ?? '';
  // The server's own complaint (a bad `next`, a failed POST); the script shows Cognito's in the same box.
  const error = model.error ? `<p>${escapeHtml(model.error)}</p>` : '';
  const body = `${siteHeader(basePath)}
<main id="main" class="page sign-in" data-next="${escapeHtml(model.next)}">
<div class="card">
<h1>Sign in</h1>
<noscript><p class="notice tone-caution">Signing in needs JavaScript.</p></noscript>
<div class="notice tone-danger" role="alert" id="sign-in-error" data-testid="sign-in-error"${error ? '' : ' hidden'}>${error}</div>
<section id="signed-in" hidden>
<div class="notice tone-info" role="status"><p>Signed in as <strong data-testid="signed-in-as" id="signed-in-as"></strong>.</p></div>
<p><a class="button primary" id="continue" href="${escapeHtml(sitePath(basePath, model.next))}">Continue</a>
<button class="button" type="button" id="sign-out" data-testid="sign-out">Sign out</button></p>
</section>
<form id="password-form" method="post">
<div class="field">
<label for="email">E-mail</label>
<input id="email" name="email" type="email" required autocomplete="username" spellcheck="false">
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" required autocomplete="current-password">
</div>
<button class="button primary" type="submit" disabled>Sign in</button>
</form>
<form id="new-password-form" method="post" hidden>
<p>Choose a new password to finish signing in: at least 12 characters, with upper and lower case letters, a digit and a symbol.</p>
<div class="field">
<label for="new-password">New password</label>
<input id="new-password" name="new-password" type="password" required minlength="12" autocomplete="new-password">
</div>
<div class="field">
<label for="confirm-password">New password again</label>
<input id="confirm-password" name="confirm-password" type="password" required minlength="12" autocomplete="new-password">
</div>
<button class="button primary" type="submit" disabled>Set password and sign in</button>
</form>
<form id="mfa-setup-form" method="post" hidden>
<p>Your account needs a second factor. Add this key to an authenticator app (as <span class="mono">Sergas</span>), then enter the code it shows.</p>
<p><code class="secret" id="mfa-secret" data-testid="mfa-secret"></code></p>
<div class="field">
<label for="setup-code">Code from the app</label>
<input id="setup-code" name="setup-code" inputmode="numeric" pattern="[0-9]{6}" required autocomplete="one-time-code">
</div>
<button class="button primary" type="submit" disabled>Turn on and sign in</button>
</form>
<form id="mfa-form" method="post" hidden>
<div class="field">
<label for="mfa-code">Code from your authenticator app</label>
<input id="mfa-code" name="mfa-code" inputmode="numeric" pattern="[0-9]{6}" required autocomplete="one-time-code">
</div>
<button class="button primary" type="submit" disabled>Verify</button>
</form>
</div>
</main>`;
  return htmlDocument({
    title: 'Sign in · Sergas',
    body,
    css: PAGE_CSS,
    script: COGNITO_SIGN_IN_SCRIPT,
    auth,
    basePath,
  });
}

/**
 * Cognito's InitiateAuth (USER_PASSWORD_AUTH) and RespondToAuthChallenge over its JSON API, with plain
 * fetch: NEW_PASSWORD_REQUIRED (first sign-in with the temporary password), MFA_SETUP (the pool requires
 * TOTP: AssociateSoftwareToken, VerifySoftwareToken) and SOFTWARE_TOKEN_MFA. Cognito answers each step
 * with the next challenge and a session, or with the tokens.
 */
export const COGNITO_SIGN_IN_SCRIPT = `(function () {
  'use strict';
${AUTH_CLIENT}
  function byId(id) { return document.getElementById(id); }
  var FORMS = ['password-form', 'new-password-form', 'mfa-setup-form', 'mfa-form'];
  var challenge = null;
  var next = byId('main').getAttribute('data-next') || '/';
  // A path on this site (the server checked it too), reached under BASE; never another host.
  if (next.charAt(0) !== '/' || next.charAt(1) === '/' || next.charAt(1) === String.fromCharCode(92)) next = '/';

  function show(formId) {
    FORMS.forEach(function (id) { byId(id).hidden = id !== formId; });
    byId('signed-in').hidden = formId !== null;
    if (formId) {
      var field = byId(formId).querySelector('input:not([type=hidden])');
      if (field) field.focus();
    }
  }

  function fail(message) {
    var box = byId('sign-in-error');
    box.replaceChildren(document.createElement('p'));
    box.firstChild.textContent = message;
    box.hidden = false;
  }

  function problem(error) {
    if (error && error.cognito) return error.message;
    return 'Could not reach the sign-in service. Check your connection and try again.';
  }

  function showSignedIn() {
    byId('signed-in-as').textContent = signedInName();
    show(null);
  }

  function signedIn(result) {
    saveSession(result, null);
    location.assign(siteUrl(next));
  }

  // Cognito's answer: the tokens, or the next challenge and the session to answer it with.
  function proceed(data, username) {
    if (data.AuthenticationResult && data.AuthenticationResult.IdToken) return signedIn(data.AuthenticationResult);
    var parameters = data.ChallengeParameters || {};
    challenge = { name: data.ChallengeName, session: data.Session, username: parameters.USER_ID_FOR_SRP || parameters.USERNAME || username };
    if (challenge.name === 'NEW_PASSWORD_REQUIRED') return show('new-password-form');
    if (challenge.name === 'SOFTWARE_TOKEN_MFA') return show('mfa-form');
    if (challenge.name === 'MFA_SETUP') {
      return cognito('AssociateSoftwareToken', { Session: challenge.session }).then(function (associated) {
        challenge.session = associated.Session || challenge.session;
        byId('mfa-secret').textContent = associated.SecretCode || '';
        show('mfa-setup-form');
      });
    }
    fail('Cognito asks for ' + (challenge.name || 'a step') + ', which this page cannot answer. Ask an administrator.');
  }

  function respond(name, responses) {
    responses.USERNAME = challenge.username;
    return cognito('RespondToAuthChallenge', {
      ClientId: AUTH.userPoolClientId, ChallengeName: name, Session: challenge.session, ChallengeResponses: responses
    }).then(function (data) { return proceed(data, challenge.username); });
  }

  function onSubmit(formId, action) {
    var form = byId(formId);
    var button = form.querySelector('button[type=submit]');
    button.disabled = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button.getAttribute('aria-disabled') === 'true') return;
      var invalid = form.querySelector('input:invalid');
      if (invalid) { invalid.reportValidity(); return; }
      byId('sign-in-error').hidden = true;
      button.setAttribute('aria-disabled', 'true');
      Promise.resolve().then(action).catch(function (error) { fail(problem(error)); }).then(function () {
        button.removeAttribute('aria-disabled');
      });
    });
  }

  onSubmit('password-form', function () {
    var email = byId('email').value.trim();
    return cognito('InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: AUTH.userPoolClientId,
      AuthParameters: { USERNAME: email, PASSWORD: byId('password').value }
    }).then(function (data) {
      byId('password').value = '';
      return proceed(data, email);
    });
  });

  onSubmit('new-password-form', function () {
    var password = byId('new-password').value;
    if (password !== byId('confirm-password').value) return fail('The two new passwords differ.');
    return respond('NEW_PASSWORD_REQUIRED', { NEW_PASSWORD: password });
  });

  onSubmit('mfa-setup-form', function () {
    return cognito('VerifySoftwareToken', {
      Session: challenge.session, UserCode: byId('setup-code').value.trim(), FriendlyDeviceName: 'Sergas'
    }).then(function (verified) {
      if (verified.Status !== 'SUCCESS') return fail('That code did not match. Try the next one the app shows.');
      challenge.session = verified.Session || challenge.session;
      return respond('MFA_SETUP', {});
    });
  });

  onSubmit('mfa-form', function () {
    return respond('SOFTWARE_TOKEN_MFA', { SOFTWARE_TOKEN_MFA_CODE: byId('mfa-code').value.trim() });
  });

  byId('sign-out').addEventListener('click', function () {
    signOut().then(function () {
      show('password-form');
      byId('sign-in-error').hidden = true;
    });
  });

  if (loadSession()) showSignedIn();
})();`;
