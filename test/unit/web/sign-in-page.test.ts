import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/config.ts';
import { html } from '../../../shared/runtime/http-handler.ts';
import { dashboardPage } from '../../../web/dashboard-page.ts';
import { connectSourcesOf, LOCAL_PAGE_AUTH, type PageAuth, pageAuthOf } from '../../../web/page-auth.ts';
import { runTimelinePage } from '../../../web/run-page.ts';
import { COGNITO_SIGN_IN_SCRIPT, signInPage } from '../../../web/sign-in-page.ts';
import { expectAccessibleShell, scriptsOf } from './page-checks.ts';

const COGNITO: PageAuth = {
  auth: 'cognito',
  region: 'eu-west-1',
  userPoolClientId: 'client-1',
  endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
};

const configOf = (page: string) => {
  const content = page.match(/<meta name="sergas-config" id="sergas-config" content="([^"]*)">/)?.[1];
  const entities: Record<string, string> = { '&quot;': '"', '&lt;': '<', '&gt;': '>', '&#39;': "'", '&amp;': '&' };
  return content === undefined
    ? undefined
    : JSON.parse(content.replace(/&(?:quot|lt|gt|#39|amp);/g, (entity) => entities[entity] ?? entity));
};

describe('how pages learn to sign in', () => {
  it('follows the configuration: Cognito when the API takes Cognito tokens, else local', () => {
    const home = { SERGAS_HOME: '/tmp/sergas-sign-in' };
    expect(pageAuthOf(loadConfig(home).signIn)).toEqual({ auth: 'local' });
    expect(
      pageAuthOf(
        loadConfig({ ...home, COGNITO_USER_POOL_ID: 'eu-west-1_AbC123', COGNITO_CLIENT_ID: 'client-1' }).signIn,
      ),
    ).toEqual(COGNITO);
    // A Cognito-compatible endpoint in front of local tokens: what the browser test runs.
    const faked = loadConfig({
      ...home,
      SERGAS_SIGN_IN: 'cognito',
      COGNITO_CLIENT_ID: 'fake',
      AWS_REGION: 'us-east-1',
      COGNITO_ENDPOINT: 'http://127.0.0.1:9229/',
    });
    expect(faked.auth.kind).toBe('local');
    expect(pageAuthOf(faked.signIn)).toEqual({
      auth: 'cognito',
      region: 'us-east-1',
      userPoolClientId: 'fake',
      endpoint: 'http://127.0.0.1:9229/',
    });
    expect(() => loadConfig({ ...home, SERGAS_SIGN_IN: 'cognito' })).toThrow(/COGNITO_CLIENT_ID[\s\S]*AWS_REGION/);
  });

  it('puts the configuration in every page as escaped JSON, and lets the CSP connect to Cognito only', () => {
    expect(configOf(dashboardPage())).toEqual({ auth: 'local', basePath: '' });
    expect(configOf(runTimelinePage(COGNITO, '/prod'))).toEqual({ ...COGNITO, basePath: '/prod' });
    const hostile = { ...COGNITO, userPoolClientId: '"><script>alert(1)</script>' };
    expect(dashboardPage(hostile)).not.toContain('<script>alert');
    expect(configOf(dashboardPage(hostile))).toEqual({ ...hostile, basePath: '' });

    const csp = (auth: PageAuth) =>
      html(200, '', { connectSrc: connectSourcesOf(auth) }).headers?.['content-security-policy'];
    expect(csp(LOCAL_PAGE_AUTH)).toBe(
      "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline' 'self'; frame-ancestors 'none'",
    );
    expect(csp(COGNITO)).toContain("; connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com;");
  });
});

describe('sign-in page', () => {
  it('locally takes a pasted token and has no script', () => {
    const page = signInPage({ next: '/runs/r1', signedInAs: null });
    expectAccessibleShell(page);
    expect(page).toContain('<textarea id="token" name="token"');
    expect(scriptsOf(page)).toHaveLength(0);
  });

  it('with Cognito asks for e-mail and password, and submits nothing without its script', () => {
    const page = signInPage({ next: '/runs/r1', signedInAs: null, auth: COGNITO });
    expectAccessibleShell(page);
    expect(page).not.toContain('name="token"');
    expect(page).toContain('<input id="email" name="email" type="email" required autocomplete="username"');
    expect(page).toContain('autocomplete="current-password"');
    expect(page).toContain('<main id="main" class="page sign-in" data-next="/runs/r1">');
    const submits = [...page.matchAll(/<button class="button primary" type="submit"[^>]*>/g)].map((m) => m[0]);
    expect(submits).toHaveLength(4);
    for (const button of submits) expect(button).toContain('disabled');
    expect(page).not.toMatch(/<form[^>]*action=/);
  });

  it('ships one script that parses, builds no HTML and calls no URL of its own', () => {
    const page = signInPage({ next: '/', signedInAs: null, auth: COGNITO });
    expect(scriptsOf(page)[0]?.trim()).toBe(COGNITO_SIGN_IN_SCRIPT);
    expect(() => new Function(COGNITO_SIGN_IN_SCRIPT)).not.toThrow();
    expect(COGNITO_SIGN_IN_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    // Cognito's endpoint comes from the page's configuration, never from the script.
    expect(COGNITO_SIGN_IN_SCRIPT).not.toMatch(/https?:\/\//);
    for (const action of ['InitiateAuth', 'RespondToAuthChallenge', 'AssociateSoftwareToken', 'VerifySoftwareToken']) {
      expect(COGNITO_SIGN_IN_SCRIPT).toContain(`'${action}'`);
    }
    expect(COGNITO_SIGN_IN_SCRIPT).toContain("AuthFlow: 'USER_PASSWORD_AUTH'");
    expect(COGNITO_SIGN_IN_SCRIPT).toContain("'NEW_PASSWORD_REQUIRED'");
  });
});
