import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

/** Paints text for one output stream, or leaves it plain when that stream should get no colour. */
export interface Palette {
  readonly enabled: boolean;
  paint(style: Style, text: string): string;
}

/**
 * Colour only for a terminal: never when `NO_COLOR` is set (https://no-color.org), always when
 * `FORCE_COLOR` is set to anything but `0`, otherwise when the stream is a TTY.
 */
export function paletteFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Palette {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  const enabled = !env.NO_COLOR && (forced || stream.isTTY === true);
  return {
    enabled,
    paint: (style, text) => (enabled ? styleText(style, text, { validateStream: false }) : text),
  };
}

/** The colour of a log entry: green succeeded, yellow failed but retrying, red failed for good. */
export function logStatusStyle(entry: { status: string; will_retry: boolean }): Style {
  if (entry.status === 'succeeded') return 'green';
  return entry.will_retry ? 'yellow' : 'red';
}

/** The colour of an HTTP status: 2xx green, 3xx/4xx yellow, 5xx and no answer red. */
export function httpStatusStyle(status: number | null | undefined): Style {
  if (status === null || status === undefined || status >= 500) return 'red';
  return status < 300 ? 'green' : 'yellow';
}
