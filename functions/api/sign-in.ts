import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { SignInForm } from '../../shared/api/schemas.ts';
import { clearedSessionCookie, headerOf, sessionCookie } from '../../shared/auth/session.ts';
import { AppError } from '../../shared/errors.ts';
import { assertSameOrigin, html, httpHandler, parseBody } from '../../shared/runtime/http-handler.ts';
import { signIn } from '../../shared/use-cases/sign-in.ts';
import { sitePath } from '../../web/base-path.ts';
import { connectSourcesOf, pageSettingsOf } from '../../web/page-auth.ts';
import { signInPage } from '../../web/sign-in-page.ts';

const redirect = (location: string, cookie: string) => ({
  statusCode: 303,
  headers: { location, 'set-cookie': cookie, 'cache-control': 'no-store' },
  body: '',
});

const isHttps = (event: APIGatewayProxyEvent, publicUrl: string | null) =>
  headerOf(event.headers, 'x-forwarded-proto') === 'https' || (publicUrl?.startsWith('https:') ?? false);

/**
 * `POST /sign-in`: a verified token becomes an HttpOnly, SameSite=Strict session cookie; or signs out.
 * `next` is a path on the site: the redirect and the cookie's Path carry the base path it is served under.
 */
export const handler = httpHandler(
  async (event, deps) => {
    // Another site must not sign a browser in as someone else (login CSRF).
    assertSameOrigin(event, deps.config);
    const form = parseBody(event, SignInForm);
    const { basePath } = pageSettingsOf(deps.config);
    const cookie = { secure: isHttps(event, deps.config.publicUrl), path: sitePath(basePath, '/') };
    if (form.action === 'sign_out') {
      return redirect(sitePath(basePath, form.next ?? '/sign-in'), clearedSessionCookie(cookie));
    }
    const { expiresInSeconds } = await signIn(deps, form.token);
    return redirect(
      sitePath(basePath, form.next ?? '/'),
      sessionCookie(form.token, { maxAgeSeconds: expiresInSeconds, ...cookie }),
    );
  },
  (error, _event, deps) => {
    const status = error instanceof z.ZodError ? 400 : error instanceof AppError && error.expose ? error.status : 500;
    const message =
      error instanceof z.ZodError
        ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : error instanceof AppError && error.expose
          ? error.message
          : 'Something went wrong on our side';
    const { auth, basePath } = pageSettingsOf(deps?.config);
    return html(status, signInPage({ next: '/', signedInAs: null, error: message, auth, basePath }), {
      connectSrc: connectSourcesOf(auth),
    });
  },
);
