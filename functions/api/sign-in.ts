import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { SignInForm } from '../../shared/api/schemas.ts';
import { clearedSessionCookie, headerOf, sessionCookie } from '../../shared/auth/session.ts';
import { AppError } from '../../shared/errors.ts';
import { assertSameOrigin, html, httpHandler, parseBody } from '../../shared/runtime/http-handler.ts';
import { signIn } from '../../shared/use-cases/sign-in.ts';
import { signInPage } from '../../web/sign-in-page.ts';

const redirect = (location: string, cookie: string) => ({
  statusCode: 303,
  headers: { location, 'set-cookie': cookie, 'cache-control': 'no-store' },
  body: '',
});

const isHttps = (event: APIGatewayProxyEvent, publicUrl: string | null) =>
  headerOf(event.headers, 'x-forwarded-proto') === 'https' || (publicUrl?.startsWith('https:') ?? false);

/** `POST /sign-in`: a verified token becomes an HttpOnly, SameSite=Strict session cookie; or signs out. */
export const handler = httpHandler(
  async (event, deps) => {
    // Another site must not sign a browser in as someone else (login CSRF).
    assertSameOrigin(event, deps.config);
    const form = parseBody(event, SignInForm);
    const secure = isHttps(event, deps.config.publicUrl);
    if (form.action === 'sign_out') return redirect(form.next ?? '/sign-in', clearedSessionCookie(secure));
    const { expiresInSeconds } = await signIn(deps, form.token);
    return redirect(form.next ?? '/', sessionCookie(form.token, { maxAgeSeconds: expiresInSeconds, secure }));
  },
  (error) => {
    const status = error instanceof z.ZodError ? 400 : error instanceof AppError && error.expose ? error.status : 500;
    const message =
      error instanceof z.ZodError
        ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
        : error instanceof AppError && error.expose
          ? error.message
          : 'Something went wrong on our side';
    return html(status, signInPage({ next: '/', signedInAs: null, error: message }));
  },
);
