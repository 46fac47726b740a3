import type { Command } from 'commander';
import { cliPrincipal, principalFromClaims } from '../../shared/auth/principal.ts';
import { UnauthorizedError } from '../../shared/errors.ts';
import { serveMcpOverStdio } from '../../shared/mcp/stdio.ts';
import { type CliContext, withContainer } from '../context.ts';

export function mcpCommand(program: Command, context: CliContext): void {
  program
    .command('mcp')
    .description(
      'run the MCP server on stdio (Claude Desktop, other agents); acts as the token in SERGAS_TOKEN, else as you (admin)',
    )
    .action(async () => {
      await withContainer(context, async (deps) => {
        const token = process.env.SERGAS_TOKEN?.trim();
        const principal = token ? principalFromClaims(await deps.auth.verify(token)) : cliPrincipal(context.actor());
        if (!principal) throw new UnauthorizedError('SERGAS_TOKEN names no subject');
        await serveMcpOverStdio({ deps, principal, settle: async () => deps.engine?.idle() });
      });
    });
}
