import { unwrap, type paths } from '../../client/index.ts';
import type { Command } from '../command.ts';
import { httpStatusStyle, logStatusStyle, paletteFor } from '../colour.ts';
import { CONNECTION_FLAGS, connect } from '../connection.ts';
import { JSON_FLAG, formatMs, orDash, writeJson } from '../output.ts';
import { renderFields } from '../table.ts';

type LogDetail = paths['/v1/logs/{id}']['get']['responses'][200]['content']['application/json'];

/** `herald logs show <id>`: one attempt whole: outcome, timings, request and response. */
export const logsShow: Command = {
  name: 'logs show',
  summary: 'show one log entry with its request and response',
  usage: '<log-id> [--json]',
  positionals: 1,
  flags: { ...JSON_FLAG, ...CONNECTION_FLAGS },
  examples: ['herald logs show log_0190c2…'],
  async run(args, io) {
    const id = args.positional(0, 'the log entry id (log_…); find one with `herald logs list`');
    const client = connect(args, io.env);
    const log = unwrap(await client.GET('/v1/logs/{id}', { params: { path: { id } } }));
    if (args.boolean('json')) return writeJson(io.stdout, log);
    const palette = paletteFor(io.stdout, io.env);
    const { dns_ms, connect_ms, tls_ms, ttfb_ms } = log.timings;
    io.stdout.write(renderFields([
      ['id', log.id],
      ['status', palette.paint(logStatusStyle(log), log.status)],
      ['http status', palette.paint(httpStatusStyle(log.http_status), orDash(log.http_status))],
      ['error', log.error ? `${log.error.code}: ${log.error.message}` : '—'],
      ['attempt', `${log.attempt} (${log.trigger})`],
      ['will retry', log.will_retry ? `yes, at ${orDash(log.next_attempt_at)}` : 'no'],
      ['duration', formatMs(log.duration_ms)],
      ['timings', `dns ${formatMs(dns_ms)} · connect ${formatMs(connect_ms)} · tls ${formatMs(tls_ms)} · ttfb ${formatMs(ttfb_ms)}`],
      ['event', `${log.event_id} (${log.event_type})`],
      ['delivery', log.delivery_id],
      ['endpoint', `${log.endpoint_id} ${log.endpoint_url}`],
      ['tags', Object.entries(log.tags).map(([key, value]) => `${key}=${value}`).join(' ') || '—'],
      ['created', log.created_at],
      ['completed', log.completed_at],
    ]));
    io.stdout.write(`\n${palette.paint('bold', `Request: ${log.http_method} ${log.request.url}`)}\n`);
    io.stdout.write(message(log.request.headers, log.request.body));
    io.stdout.write(`\n${palette.paint('bold', `Response: ${orDash(log.http_status)}`)}\n`);
    io.stdout.write(message(log.response.headers, log.response.body));
    if (log.response.body_truncated) io.stdout.write('(response body cut at 64 KiB)\n');
  },
};

function message(headers: LogDetail['request']['headers'], body: string | null): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}\n${body === null || body === '' ? '(no body)' : pretty(body)}\n`;
}

/** JSON bodies indented; anything else as received. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
