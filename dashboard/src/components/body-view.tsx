import { useId, useState } from 'react';
import { formatBytes } from '../lib/format.ts';

/** Bodies longer than this many lines (or bytes) start collapsed. */
const COLLAPSE_LINES = 30;
const COLLAPSE_BYTES = 4096;

/** JSON pretty-printed with two spaces; anything else as it came. */
export function prettyBody(body: string): { text: string; json: boolean } {
  try {
    return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
  } catch {
    return { text: body, json: false };
  }
}

/** A request or response body: pretty JSON, collapsed when large, with a note when Herald cut it. */
export function BodyView({ body, truncated = false, emptyText }: { body: string | null; truncated?: boolean; emptyText: string }) {
  const id = useId();
  const [expanded, setExpanded] = useState(false);
  if (body === null || body === '') return <p className="muted">{emptyText}</p>;
  const { text, json } = prettyBody(body);
  const lines = text.split('\n');
  const large = lines.length > COLLAPSE_LINES || text.length > COLLAPSE_BYTES;
  const shown = large && !expanded ? lines.slice(0, COLLAPSE_LINES).join('\n').slice(0, COLLAPSE_BYTES) : text;
  const size = formatBytes(new TextEncoder().encode(body).length);
  return (
    <div className="body-view">
      <div className="body-meta muted">
        {json ? 'JSON' : 'Text'} · {size}
        {truncated ? ' · cut at 64 KiB by Herald' : ''}
      </div>
      <pre id={id} className={`code${large && !expanded ? ' code-collapsed' : ''}`} tabIndex={0}>
        {shown}
      </pre>
      {large ? (
        <button type="button" className="button button-small" aria-controls={id} aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
          {expanded ? 'Collapse' : `Show all ${lines.length} lines`}
        </button>
      ) : null}
    </div>
  );
}
