import type { Command } from './command.ts';
import { endpointsCreate } from './commands/endpoints-create.ts';
import { endpointsDelete } from './commands/endpoints-delete.ts';
import { endpointsList } from './commands/endpoints-list.ts';
import { endpointsRecover } from './commands/endpoints-recover.ts';
import { endpointsTest } from './commands/endpoints-test.ts';
import { endpointsUpdate } from './commands/endpoints-update.ts';
import { eventsSend } from './commands/events-send.ts';
import { logsExport } from './commands/logs-export.ts';
import { logsList } from './commands/logs-list.ts';
import { logsRetry } from './commands/logs-retry.ts';
import { logsShow } from './commands/logs-show.ts';
import { logsTail } from './commands/logs-tail.ts';
import { migrate } from './commands/migrate.ts';
import { serve } from './commands/serve.ts';
import { stats } from './commands/stats.ts';
import { verify } from './commands/verify.ts';

/** Every `herald` command, in the order `herald --help` lists them. */
export const COMMANDS: readonly Command[] = [
  serve,
  migrate,
  logsList,
  logsShow,
  logsTail,
  logsRetry,
  logsExport,
  eventsSend,
  endpointsList,
  endpointsCreate,
  endpointsUpdate,
  endpointsDelete,
  endpointsTest,
  endpointsRecover,
  stats,
  verify,
];

/** Command groups (`logs`, `events`, `endpoints`): a first word that needs a second. */
export const GROUPS: ReadonlySet<string> = new Set(COMMANDS.filter((command) => command.name.includes(' ')).map((command) => command.name.split(' ')[0]!));
