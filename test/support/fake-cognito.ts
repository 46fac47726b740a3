import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { LocalTokens, type LocalUser } from '../../shared/auth/tokens.ts';

export interface FakeCognitoUser {
  email: string;
  password: string;
  /** Created by an admin with a temporary password: the first sign-in must choose a new one. */
  temporaryPassword?: boolean;
  /** Who the ID token says they are (`sub` = userId), signed like `sergas user create` signs. */
  claims: LocalUser;
  /** Has set up a TOTP authenticator (the pool requires one: MFA_SETUP until then). */
  totp?: boolean;
}

export interface FakeCognitoRequest {
  target: string;
  body: Record<string, unknown>;
}

export interface FakeCognito {
  /** The endpoint, like `https://cognito-idp.<region>.amazonaws.com/`. */
  url: string;
  requests: FakeCognitoRequest[];
  /** Every ID token issued, in order. */
  idTokens: string[];
  close(): Promise<void>;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const PREFIX = 'AWSCognitoIdentityProviderService.';

/** Cognito's password policy of the deployed pool (infra/constructs/sergas-api.ts). */
const STRONG = (password: string) =>
  password.length >= 12 &&
  /[a-z]/.test(password) &&
  /[A-Z]/.test(password) &&
  /\d/.test(password) &&
  /\W/.test(password);

class CognitoFault extends Error {
  readonly type: string;

  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

/** The one code the fake's "authenticator" ever shows. */
export const FAKE_TOTP_CODE = '123456';

/**
 * A Cognito user pool's JSON API on 127.0.0.1, as much of it as a browser signing in with USER_PASSWORD_AUTH
 * uses: InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH), RespondToAuthChallenge (NEW_PASSWORD_REQUIRED,
 * MFA_SETUP, SOFTWARE_TOKEN_MFA), AssociateSoftwareToken, VerifySoftwareToken and RevokeToken, with
 * Cognito's error shape (`{"__type", "message"}`, HTTP 400) and CORS (Cognito answers any origin). With
 * `mfaRequired`, like the deployed pool, tokens come only after TOTP (the code is always FAKE_TOTP_CODE).
 * Its ID tokens are signed with the local token secret, so the local API server accepts them as it would
 * Cognito's on AWS. The first ID token lives `firstTokenSeconds` (short, so pages refresh it).
 */
export async function startFakeCognito(options: {
  clientId: string;
  jwtSecret: string;
  users: FakeCognitoUser[];
  firstTokenSeconds?: number;
  mfaRequired?: boolean;
}): Promise<FakeCognito> {
  const tokens = new LocalTokens(async () => new TextEncoder().encode(options.jwtSecret));
  const users = options.users.map((user) => ({ ...user }));
  const sessions = new Map<string, (typeof users)[number]>();
  const refreshTokens = new Map<string, (typeof users)[number]>();
  const requests: FakeCognitoRequest[] = [];
  const idTokens: string[] = [];

  async function authenticated(user: (typeof users)[number], withRefreshToken: boolean) {
    const seconds = idTokens.length === 0 ? (options.firstTokenSeconds ?? 3600) : 3600;
    const { token } = await tokens.issue(user.claims, seconds);
    idTokens.push(token);
    const refreshToken = withRefreshToken ? randomBytes(24).toString('base64url') : undefined;
    if (refreshToken) refreshTokens.set(refreshToken, user);
    return {
      ChallengeParameters: {},
      AuthenticationResult: {
        AccessToken: `fake-access-${randomUUID()}`,
        ExpiresIn: seconds,
        IdToken: token,
        ...(refreshToken ? { RefreshToken: refreshToken } : {}),
        TokenType: 'Bearer',
      },
    };
  }

  function nextSession(user: (typeof users)[number]) {
    const session = randomBytes(32).toString('base64url');
    sessions.set(session, user);
    return session;
  }

  /** The user a session was handed to; a session answers one step (a wrong answer may be tried again). */
  function takeSession(session: unknown) {
    const user = sessions.get(String(session));
    if (!user) throw new CognitoFault('NotAuthorizedException', 'Invalid session for the user.');
    sessions.delete(String(session));
    return user;
  }

  /** The next challenge once the password is settled: TOTP when the pool requires it, else the tokens. */
  function afterPassword(user: (typeof users)[number]) {
    if (!options.mfaRequired) return authenticated(user, true);
    const session = nextSession(user);
    return user.totp
      ? {
          ChallengeName: 'SOFTWARE_TOKEN_MFA',
          Session: session,
          ChallengeParameters: { FRIENDLY_DEVICE_NAME: 'Sergas' },
        }
      : {
          ChallengeName: 'MFA_SETUP',
          Session: session,
          ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' },
        };
  }

  async function answer(target: string, body: Record<string, unknown>): Promise<unknown> {
    if (target === 'AssociateSoftwareToken') {
      return { SecretCode: 'JBSWY3DPEHPK3PXP', Session: nextSession(takeSession(body.Session)) };
    }
    if (target === 'VerifySoftwareToken') {
      const user = takeSession(body.Session);
      if (body.UserCode !== FAKE_TOTP_CODE) {
        sessions.set(String(body.Session), user);
        throw new CognitoFault('CodeMismatchException', 'Invalid code received for user');
      }
      user.totp = true;
      return { Status: 'SUCCESS', Session: nextSession(user) };
    }
    if (body.ClientId !== options.clientId) {
      throw new CognitoFault('ResourceNotFoundException', `User pool client ${String(body.ClientId)} does not exist.`);
    }
    const parameters = (body.AuthParameters ?? {}) as Record<string, string>;
    const responses = (body.ChallengeResponses ?? {}) as Record<string, string>;
    switch (target) {
      case 'InitiateAuth': {
        if (body.AuthFlow === 'USER_PASSWORD_AUTH') {
          const user = users.find((u) => u.email === parameters.USERNAME && u.password === parameters.PASSWORD);
          if (!user) throw new CognitoFault('NotAuthorizedException', 'Incorrect username or password.');
          if (!user.temporaryPassword) return afterPassword(user);
          return {
            ChallengeName: 'NEW_PASSWORD_REQUIRED',
            Session: nextSession(user),
            ChallengeParameters: {
              USER_ID_FOR_SRP: user.claims.userId,
              requiredAttributes: '[]',
              userAttributes: JSON.stringify({ email: user.email }),
            },
          };
        }
        if (body.AuthFlow === 'REFRESH_TOKEN_AUTH') {
          const user = refreshTokens.get(parameters.REFRESH_TOKEN ?? '');
          if (!user) throw new CognitoFault('NotAuthorizedException', 'Invalid Refresh Token');
          return authenticated(user, false);
        }
        throw new CognitoFault('InvalidParameterException', `AuthFlow ${String(body.AuthFlow)} is not enabled`);
      }
      case 'RespondToAuthChallenge': {
        const user = takeSession(body.Session);
        if (responses.USERNAME !== user.claims.userId && responses.USERNAME !== user.email) {
          throw new CognitoFault('NotAuthorizedException', 'Invalid session for the user.');
        }
        switch (body.ChallengeName) {
          case 'NEW_PASSWORD_REQUIRED':
            if (!STRONG(responses.NEW_PASSWORD ?? '')) {
              sessions.set(String(body.Session), user);
              throw new CognitoFault('InvalidPasswordException', 'Password does not conform to policy.');
            }
            user.password = responses.NEW_PASSWORD!;
            user.temporaryPassword = false;
            return afterPassword(user);
          case 'MFA_SETUP':
            if (!user.totp) throw new CognitoFault('NotAuthorizedException', 'Invalid session for the user.');
            return authenticated(user, true);
          case 'SOFTWARE_TOKEN_MFA':
            if (responses.SOFTWARE_TOKEN_MFA_CODE !== FAKE_TOTP_CODE) {
              sessions.set(String(body.Session), user);
              throw new CognitoFault('CodeMismatchException', 'Invalid code received for user');
            }
            return authenticated(user, true);
          default:
            throw new CognitoFault('InvalidParameterException', `Unknown challenge ${String(body.ChallengeName)}`);
        }
      }
      case 'RevokeToken':
        refreshTokens.delete(String(body.Token));
        return {};
      default:
        throw new CognitoFault('UnknownOperationException', `${target} is not served here`);
    }
  }

  const send = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': JSON_TYPE, 'access-control-allow-origin': '*', ...extra });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, x-amz-target, x-amz-user-agent, cache-control',
        'access-control-max-age': '600',
      });
      return res.end();
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    try {
      if (req.method !== 'POST' || !target.startsWith(PREFIX) || !req.headers['content-type']?.startsWith(JSON_TYPE)) {
        throw new CognitoFault('UnknownOperationException', 'Send a POST with X-Amz-Target and x-amz-json-1.1');
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ target: target.slice(PREFIX.length), body });
      send(res, 200, await answer(target.slice(PREFIX.length), body));
    } catch (error) {
      const fault =
        error instanceof CognitoFault ? error : new CognitoFault('InternalErrorException', (error as Error).message);
      send(
        res,
        fault.type === 'InternalErrorException' ? 500 : 400,
        { __type: fault.type, message: fault.message },
        { 'x-amzn-errortype': `${fault.type}:` },
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    idTokens,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
