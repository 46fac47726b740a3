/**
 * The path the site is served under, without a trailing slash: `''` at a host's root (locally, behind a
 * custom domain) and `/prod` under API Gateway's default URL `https://<id>.execute-api.<region>.amazonaws.com/prod/`.
 * API Gateway hands each function the path without the stage (`/runs/1`), so the functions route as at the
 * root, but every URL a page puts in front of the browser (links, form actions, redirects, script fetches)
 * must carry the prefix.
 *
 * It is derived once from the public URL (SERGAS_PUBLIC_URL, which the stack sets to the stage URL or the
 * custom domain), not from API Gateway's `requestContext.stage`/`path`: links in e-mails and Slack already
 * start with the public URL, so the pages agree with them by construction; it is the same for every request
 * and every function; and it needs nothing that only API Gateway sets, so the local server, a reverse proxy
 * and the tests get it the same way. (`requestContext.stage` would also be wrong behind a custom domain,
 * whose base path mapping hides the stage.)
 */
export function basePathOf(publicUrl: string | null | undefined): string {
  if (!publicUrl) return '';
  let pathname: string;
  try {
    pathname = new URL(publicUrl).pathname;
  } catch {
    return '';
  }
  // `//x` would read as another host to a browser: one slash per segment, none at the end.
  return pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
}

/** `path` (a path on this site, like `/runs/1`) as the browser must ask for it. */
export const sitePath = (basePath: string, path: string): string => `${basePath}${path}`;

/** The sign-in page's path that comes back to `next` (a path on this site, without the base path). */
export const signInPath = (basePath: string, next: string): string =>
  sitePath(basePath, `/sign-in?next=${encodeURIComponent(next)}`);
