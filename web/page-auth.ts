import type { Config } from '../shared/config/config.ts';
import { basePathOf } from './base-path.ts';

/**
 * What a page's script needs to know to sign in and call the API; it travels in the page (no secrets:
 * a Cognito app client id is public by design). `local`: the HttpOnly session cookie /sign-in set.
 * `cognito`: the browser signs in with Cognito and sends the ID token as a bearer header, because API
 * Gateway's Cognito authorizer reads only the Authorization header.
 */
export type PageAuth =
  | { auth: 'local' }
  | { auth: 'cognito'; region: string; userPoolClientId: string; endpoint: string };

export const LOCAL_PAGE_AUTH: PageAuth = { auth: 'local' };

export function pageAuthOf(signIn: Config['signIn']): PageAuth {
  return signIn.kind === 'cognito'
    ? { auth: 'cognito', region: signIn.region, userPoolClientId: signIn.clientId, endpoint: signIn.endpoint }
    : LOCAL_PAGE_AUTH;
}

/** The origins a page's script calls besides our own, for the CSP's connect-src: Cognito's, when it signs in there. */
export function connectSourcesOf(auth: PageAuth): string[] {
  return auth.auth === 'cognito' ? [new URL(auth.endpoint).origin] : [];
}

/** What every page needs from the configuration; the defaults when there is none (the container failed). */
export function pageSettingsOf(config: Pick<Config, 'signIn' | 'publicUrl'> | undefined): {
  auth: PageAuth;
  basePath: string;
} {
  return config
    ? { auth: pageAuthOf(config.signIn), basePath: basePathOf(config.publicUrl) }
    : { auth: LOCAL_PAGE_AUTH, basePath: '' };
}
