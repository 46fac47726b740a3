/**
 * Who is calling. On AWS API Gateway's Cognito authorizer has verified the ID token and hands the handler
 * its claims (`event.requestContext.authorizer.claims`, every value a string); locally the local API server
 * verifies the token `sergas user create` issued and puts the same claims there. Either way a handler only
 * ever sees claims, and this module turns them into a Principal.
 */
export const ROLES = ['admin', 'manager', 'rep'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's subject (Cognito `sub`, or the local user id); `cli:<os user>` for the command line. */
  userId: string;
  /** The CRM user (account owner) this person is; null for an admin who owns nothing. */
  zohoUserId: string | null;
  role: Role;
  name: string;
  email: string | null;
}

/** The claim names, as Cognito writes them. */
export const CLAIMS = {
  groups: 'cognito:groups',
  zohoUserId: 'custom:zoho_user_id',
} as const;

export type Claims = Readonly<Record<string, unknown>>;

/**
 * `cognito:groups` arrives as an array in a token, and as a string in API Gateway's claims: "admin",
 * "admin,manager" or "[admin manager]" depending on the integration.
 */
export function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .map((group) => group.trim())
    .filter(Boolean);
}

/** The strongest role among the groups; someone in no known group is a rep (who sees only their own). */
export function roleOf(groups: readonly string[]): Role {
  return ROLES.find((role) => groups.includes(role)) ?? 'rep';
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() ? value.trim() : typeof value === 'number' ? String(value) : null;

/** The principal of verified claims; null when they name no subject. */
export function principalFromClaims(claims: Claims | null | undefined): Principal | null {
  if (!claims) return null;
  const userId = text(claims.sub);
  if (!userId) return null;
  const email = text(claims.email);
  return {
    userId,
    zohoUserId: text(claims[CLAIMS.zohoUserId]),
    role: roleOf(groupsOf(claims[CLAIMS.groups])),
    name: text(claims.name) ?? email ?? userId,
    email,
  };
}

/** The command line acts as its operator with admin rights: it holds the database anyway. */
export function cliPrincipal(actor: string): Principal {
  return { userId: actor, zohoUserId: null, role: 'admin', name: actor, email: null };
}

/** How a decision or audit entry names the person: their e-mail when known. */
export const actorOf = (principal: Principal): string => principal.email ?? principal.userId;
