import type { Command } from 'commander';
import { ROLES, type Role } from '../../shared/auth/principal.ts';
import { DEFAULT_TOKEN_LIFETIME, LocalTokens, localJwtSecret } from '../../shared/auth/tokens.ts';
import { type CliContext, withContainer } from '../context.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface CreateOptions {
  role: string;
  admin?: boolean;
  zohoUser?: string;
  ownerId?: string;
  name?: string;
  email?: string;
  expiresIn: string;
}

const LIFETIME = /^(\d{1,4})([smhdw])$/;
const SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;
const MAX_LIFETIME_SECONDS = 366 * 86_400;

function lifetimeSeconds(value: string): number {
  const match = value.trim().match(LIFETIME);
  const seconds = match ? Number(match[1]) * SECONDS[match[2] as keyof typeof SECONDS] : Number.NaN;
  if (!(seconds > 0 && seconds <= MAX_LIFETIME_SECONDS)) {
    throw new UsageError(`--expires-in: "${value}" is not a lifetime like 30d, 12h or 2w (at most a year)`);
  }
  return seconds;
}

export function userCommands(program: Command, context: CliContext): void {
  const user = program.command('user').description('people who use Sergas');
  user
    .command('create')
    .description('create (or update) a person and print the token they sign in with (local API; 30 days)')
    .option('--role <role>', 'admin, manager or rep', 'rep')
    .option('--admin', 'an administrator (same as --role admin)')
    .option('--zoho-user <id>', 'the Zoho user (account owner) this person is; required for a manager or rep')
    .option('--owner-id <id>', 'the same as --zoho-user')
    .option('--name <name>', 'how they are shown (default: the Zoho user’s name)')
    .option('--email <email>', 'their e-mail address (default: the Zoho user’s)')
    .option('--expires-in <lifetime>', 'how long the token is valid, like 30d, 12h or 2w', DEFAULT_TOKEN_LIFETIME)
    .action(async (options: CreateOptions) => {
      const role = (options.admin ? 'admin' : options.role) as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role: "${options.role}" is not admin, manager or rep`);
      const zohoUserId = options.zohoUser?.trim() || options.ownerId?.trim() || null;
      if (!zohoUserId && role !== 'admin') {
        throw new UsageError(`--zoho-user: a ${role} sees the accounts of a Zoho user; say which`);
      }
      if (options.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(options.email)) {
        throw new UsageError(`--email: "${options.email}" is not an e-mail address`);
      }
      const lifetime = lifetimeSeconds(options.expiresIn);
      const config = context.config();
      if (config.auth.kind !== 'local') {
        throw new UsageError('user create: this deployment signs people in with Cognito; add them to its user pool');
      }
      const auth = config.auth;
      await withContainer(context, async (deps) => {
        const owner = zohoUserId ? await deps.copy.getOwner(zohoUserId) : null;
        if (zohoUserId && !owner) {
          const known = (await deps.copy.countAll()).owners;
          if (known > 0) {
            throw new UsageError(`--zoho-user: the CRM has no user ${zohoUserId} (sergas sync --full brings new ones)`);
          }
          process.stderr.write(`sergas: no CRM users synced yet; ${zohoUserId} is taken on trust\n`);
        }
        const name = options.name?.trim() || owner?.name || zohoUserId || context.actor();
        const email =
          options.email ?? (owner?.email || `${(zohoUserId ?? name).replace(/[^\w.-]+/g, '.')}@users.sergas.local`);
        const rows = await deps.db.query<{ id: string }>(
          `INSERT INTO users (email, name, role, owner_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role, name = EXCLUDED.name, owner_id = EXCLUDED.owner_id
           RETURNING id`,
          [email, name, role, zohoUserId],
        );
        const id = rows[0]!.id;
        const tokens = new LocalTokens(() => localJwtSecret(auth));
        const { token, expiresAt } = await tokens.issue({ userId: id, email, name, role, zohoUserId }, lifetime);
        await deps.audit.record({
          userId: context.actor(),
          action: 'user.created',
          resourceType: 'user',
          resourceId: id,
          details: { role, zohoUserId, expiresAt: expiresAt.toISOString() },
        });
        const result = {
          id,
          email,
          name,
          role,
          zoho_user_id: zohoUserId,
          token,
          expires_at: expiresAt.toISOString(),
        };
        if (context.options().json) return printJson(result);
        process.stdout.write(
          `user ${name} <${email}> (${role}${zohoUserId ? `, Zoho user ${zohoUserId}` : ''}) id ${id}\n` +
            `token (valid until ${result.expires_at}):\n${token}\n\n` +
            'Send it as "Authorization: Bearer <token>", or paste it into the dashboard\'s /sign-in page.\n',
        );
      });
    });
}
