import type { LiveTail } from '../hooks/use-live-tail.ts';

const STATE_TEXT: Record<LiveTail['state'], string> = {
  off: 'Live',
  connecting: 'Live: connecting…',
  open: 'Live: on',
  closed: 'Live: stopped',
};

/** Turns the live tail on and off; says whether the stream is connected. */
export function LiveToggle({ on, state, onToggle }: { on: boolean; state: LiveTail['state']; onToggle: () => void }) {
  return (
    <button type="button" className={`button live-toggle live-${state}`} aria-pressed={on} onClick={onToggle}>
      <span className="live-dot" aria-hidden="true" />
      {STATE_TEXT[state]}
    </button>
  );
}
