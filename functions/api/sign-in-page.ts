import { z } from 'zod';
import { SignInQuery } from '../../shared/api/schemas.ts';
import { html, httpHandler, parseQuery } from '../../shared/runtime/http-handler.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';
import { signInPage } from '../../web/sign-in-page.ts';

const messageOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

/**
 * `GET /sign-in[?next=/path]`: locally the form that turns a token into a session cookie; with Cognito the
 * e-mail and password form whose script signs in at Cognito (the CSP lets it connect there and nowhere else).
 * `next` is a path on the site without its base path; the page (and POST /sign-in) put the base path in front.
 */
export const handler = httpHandler(
  async (event, deps, request) => {
    const { auth, basePath } = pageSettingsOf(deps.config);
    const csp = { connectSrc: connectSourcesOf(auth) };
    let next: string;
    try {
      next = parseQuery(event, SignInQuery).next ?? '/';
    } catch (error) {
      if (!(error instanceof z.ZodError)) throw error;
      return html(400, signInPage({ next: '/', signedInAs: null, error: messageOf(error), auth, basePath }), csp);
    }
    return html(200, signInPage({ next, signedInAs: request.principal?.name ?? null, auth, basePath }), csp);
  },
  (_error, _event, deps) => {
    const { auth, basePath } = pageSettingsOf(deps?.config);
    const error = 'Something went wrong on our side';
    return html(500, signInPage({ next: '/', signedInAs: null, error, auth, basePath }), {
      connectSrc: connectSourcesOf(auth),
    });
  },
);
