import 'reflect-metadata';
import { ConfigError, loadConfig, setEmbeddedAccess, withDataFolderKeys } from '@maple/platform';
import type { AppConfig } from '@maple/platform';
import { audit } from './commands/audit';
import { backup } from './commands/backup';
import { compliance } from './commands/compliance';
import { doctor } from './commands/doctor';
import { jobs } from './commands/jobs';
import { migrate, migration } from './commands/migrate';
import { privacy } from './commands/privacy';
import { projections } from './commands/projections';
import { sanctions } from './commands/sanctions';
import { seed } from './commands/seed';
import { users } from './commands/users';

export type CliCommand = { summary: string; usage: string; run(args: string[], config: AppConfig): Promise<number> };

const commands: Record<string, CliCommand> = {
  migrate,
  migration,
  seed,
  users,
  doctor,
  projections,
  jobs,
  audit,
  backup,
  sanctions,
  compliance,
  privacy,
};

function help(): void {
  process.stdout.write('Usage: npm run cli -- <command> [args]\n\nCommands:\n');
  for (const c of Object.values(commands)) process.stdout.write(`  ${c.usage.padEnd(34)} ${c.summary}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help') {
    help();
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n`);
    help();
    return 1;
  }
  // Beside a running API the CLI works through the API's socket instead of opening the folder.
  setEmbeddedAccess({ processName: 'maple-cli', whenInUse: 'connect' });
  let config: AppConfig;
  try {
    // Backups name the key that signed their checkpoints in their manifest, and a restore needs an
    // empty folder: they neither make nor use the development keys kept in the data folder.
    config = name === 'backup' ? loadConfig() : withDataFolderKeys(loadConfig());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // A CLI command never hosts the projection daemon: the API (or the worker) does, and beside a
  // running API a second daemon would compete with it through the socket.
  return command.run(args, { ...config, projections: { ...config.projections, inProcess: false } });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`error: ${e.message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
