import { z } from 'zod';
import { SignInQuery } from '../../shared/api/schemas.ts';
import { html, httpHandler, parseQuery } from '../../shared/runtime/http-handler.ts';
import { signInPage } from '../../web/sign-in-page.ts';

/** `GET /sign-in[?next=/path]`: the form that turns a token into a session cookie. */
export const handler = httpHandler(
  async (event, _deps, request) => {
    const query = parseQuery(event, SignInQuery);
    return html(200, signInPage({ next: query.next ?? '/', signedInAs: request.principal?.name ?? null }));
  },
  (error) =>
    html(
      error instanceof z.ZodError ? 400 : 500,
      signInPage({
        next: '/',
        signedInAs: null,
        error:
          error instanceof z.ZodError
            ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
            : 'Something went wrong on our side',
      }),
    ),
);
