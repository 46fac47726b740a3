import { userInfo } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { loadConfig } from '../shared/config/config.ts';
import { AppError, ConfigError } from '../shared/errors.ts';
import { analyzeCommands } from './commands/analyze.ts';
import { approvalsCommands } from './commands/approvals.ts';
import { briefCommands } from './commands/brief.ts';
import { dbCommands } from './commands/db.ts';
import { mcpCommand } from './commands/mcp.ts';
import { outboxCommands } from './commands/outbox.ts';
import { runsCommands } from './commands/runs.ts';
import { sandboxCommands } from './commands/sandbox.ts';
import { startCommand } from './commands/start.ts';
import { syncCommands } from './commands/sync.ts';
import { userCommands } from './commands/user.ts';
import type { CliContext } from './context.ts';
import { UsageError } from './usage-error.ts';

/** Runs the `sergas` command line; resolves to the exit code (0 ok, 1 failed, 2 bad usage or input). */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('sergas')
    .description('Account-management copilot for sales teams on Zoho CRM')
    .addOption(new Option('--json', 'print one JSON document on stdout'))
    .addOption(new Option('--as-of <date>', 'make "now" this instant for analysis (ISO date)'))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const context: CliContext = {
    options: () => program.opts<{ json?: boolean; asOf?: string }>(),
    config: () => loadConfig(),
    actor: () => `cli:${process.env.SERGAS_USER ?? userInfo().username}`,
  };
  for (const register of [
    startCommand,
    sandboxCommands,
    syncCommands,
    analyzeCommands,
    approvalsCommands,
    runsCommands,
    briefCommands,
    outboxCommands,
    dbCommands,
    userCommands,
    mcpCommand,
  ]) {
    register(program, context);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return reportError(error);
  }
}

/**
 * Statuses that mean the arguments were wrong: a malformed value, an id that names nothing, a body too
 * large, an edit compliance refuses. Running again with other arguments helps; running again as is won't.
 */
const BAD_INPUT_STATUSES = new Set([400, 404, 413, 422]);

/**
 * The exit code for an error the command may show: 2 for bad input, 1 when the command ran and failed
 * (an approval already decided or expired, a person who may not decide, a rate limit, an upstream outage).
 */
export function exitCodeOf(error: AppError): 1 | 2 {
  return BAD_INPUT_STATUSES.has(error.status) ? 2 : 1;
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`sergas: ${error.message}\n`);
    return 2;
  }
  if (error instanceof AppError && error.expose) {
    process.stderr.write(`sergas: ${error.message}\n`);
    return exitCodeOf(error);
  }
  process.stderr.write(`sergas: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
