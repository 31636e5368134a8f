import { timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { paletteFor } from '../colour.ts';
import { writeJson } from '../output.ts';
import { readReceivedWebhook, WEBHOOK_INPUT_FLAGS, type ReceivedWebhook } from '../webhook-input.ts';

/**
 * `herald verify`: checks a received webhook's Standard Webhooks signature with the
 * `standardwebhooks` package, the same check a receiver should run. Exit 0 valid, 1 invalid.
 */
export const verify: Command = {
  name: 'verify',
  summary: "check a received webhook's signature (for receiver developers)",
  usage: '--secret whsec_… (--body-file file | --body text | --request file) [--header "name: value"]…',
  positionals: 0,
  flags: {
    secret: { type: 'string', value: 'whsec_…', description: "the endpoint's signing secret (default $HERALD_WEBHOOK_SECRET)" },
    ...WEBHOOK_INPUT_FLAGS,
    'ignore-timestamp': { type: 'boolean', description: 'accept a webhook older (or newer) than the 5-minute tolerance, e.g. one saved earlier' },
    json: { type: 'boolean', description: 'print {"valid": …, "reason": …}' },
  },
  examples: [
    'herald verify --secret whsec_… --body-file body.json --header "webhook-id: evt_…" --header "webhook-timestamp: 1767225600" --header "webhook-signature: v1,…"',
    'nc -l 9000 > request.txt   # then: herald verify --secret whsec_… --request request.txt --ignore-timestamp',
  ],
  async run(args, io) {
    const secret = args.string('secret') ?? io.env.HERALD_WEBHOOK_SECRET;
    if (!secret) throw new UsageError("missing --secret: the endpoint's signing secret (whsec_…), or set HERALD_WEBHOOK_SECRET");
    const webhook = await readReceivedWebhook(args, io.stdin);
    let hook: Webhook;
    try {
      hook = new Webhook(secret);
    } catch (error) {
      throw new UsageError(`--secret is not a signing secret (whsec_ followed by base64): ${(error as Error).message}`);
    }
    const reason = args.boolean('ignore-timestamp') ? checkIgnoringTime(hook, webhook) : check(hook, webhook);
    if (args.boolean('json')) writeJson(io.stdout, { valid: reason === null, ...(reason !== null ? { reason } : {}), webhook_id: webhook.headers['webhook-id'] });
    else {
      const palette = paletteFor(io.stdout, io.env);
      io.stdout.write(reason === null
        ? `${palette.paint('green', 'valid')}: webhook ${webhook.headers['webhook-id']} was signed with this secret\n`
        : `${palette.paint('red', 'invalid')}: ${reason}\n`);
    }
    return reason === null ? 0 : 1;
  },
};

/** The library's own check: signature and a timestamp within 5 minutes. Null when valid. */
function check(hook: Webhook, webhook: ReceivedWebhook): string | null {
  try {
    hook.verify(webhook.body, webhook.headers, { jsonParse: false });
    return null;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return explain(error.message);
    throw error;
  }
}

/** The signature alone: the library signs id, timestamp and body, compared in constant time with each v1 signature. */
function checkIgnoringTime(hook: Webhook, webhook: ReceivedWebhook): string | null {
  const seconds = Number(webhook.headers['webhook-timestamp']);
  if (!Number.isInteger(seconds)) return 'webhook-timestamp is not unix seconds';
  const expected = Buffer.from(hook.sign(webhook.headers['webhook-id']!, new Date(seconds * 1000), webhook.body).slice(3));
  for (const signature of webhook.headers['webhook-signature']!.split(' ')) {
    const [version, value = ''] = signature.split(',');
    const given = Buffer.from(value);
    if (version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return explain('No matching signature found');
}

function explain(message: string): string {
  if (message === 'No matching signature found') return 'no signature matches: the body, webhook-id or webhook-timestamp was changed, or this is not the secret of the endpoint that sent it';
  if (message === 'Message timestamp too old') return 'webhook-timestamp is more than 5 minutes old (a replay?); add --ignore-timestamp to check a saved webhook';
  if (message === 'Message timestamp too new') return 'webhook-timestamp is more than 5 minutes in the future: check the clocks';
  return message;
}
