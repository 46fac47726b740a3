import { escapeHtml, htmlDocument, siteHeader } from './html.ts';

export interface SignInPageModel {
  /** Where to go after signing in (a path on this site). */
  next: string;
  /** Who is signed in already, if anyone. */
  signedInAs: string | null;
  /** Why the last attempt failed. */
  error?: string;
}

const PAGE_CSS = `
.page.sign-in { max-width: 36rem; padding-top: 2rem; }
.field { display: grid; gap: 0.3rem; margin-bottom: 0.85rem; }
.field label { font-weight: 600; }
.field textarea { width: 100%; font: 0.85rem/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; padding: 0.5rem 0.6rem;
  border: 1px solid var(--border-strong); border-radius: 6px; min-height: 7rem; resize: vertical; overflow-wrap: anywhere; }
.sign-in .notice { margin-bottom: 1rem; }
.sign-in form + form { margin-top: 1rem; }
`;

/**
 * The local stand-in for a Cognito sign-in: paste the token `sergas user create` printed. The server keeps
 * it in an HttpOnly, SameSite=Strict cookie, so the dashboard's and approval pages' requests carry it and
 * no script on the page can read it.
 */
export function signInPage(model: SignInPageModel): string {
  const error = model.error
    ? `<div class="notice tone-danger" role="alert" data-testid="sign-in-error"><p>${escapeHtml(model.error)}</p></div>`
    : '';
  const current = model.signedInAs
    ? `<div class="notice tone-info" role="status"><p>Signed in as <strong data-testid="signed-in-as">${escapeHtml(model.signedInAs)}</strong>.</p></div>`
    : '';
  const signOut = model.signedInAs
    ? `<form method="post" action="/sign-in">
<input type="hidden" name="action" value="sign_out">
<input type="hidden" name="next" value="/sign-in">
<button class="button" type="submit">Sign out</button>
</form>`
    : '';
  const body = `${siteHeader()}
<main id="main" class="page sign-in">
<div class="card">
<h1>Sign in</h1>
${error}${current}
<form method="post" action="/sign-in" id="sign-in-form">
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
  return htmlDocument({ title: 'Sign in · Sergas', body, css: PAGE_CSS });
}
