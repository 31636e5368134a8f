import { useEffect, useId, useState, type FormEvent } from 'react';
import { isoToLocalInput, localInputToIso } from '../lib/format.ts';

export type EventFilters = Record<string, string>;

/** The events list's filters: type, time range and one tag (the API's `tag[K]`). */
export function EventFilterBar({ filters, onApply }: { filters: EventFilters; onApply: (f: EventFilters) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (name: string, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()])));
  };
  return (
    <form className="filter-bar" onSubmit={submit} role="search" aria-label="Filter events">
      <div className="filter-row">
        <div className="field field-grow">
          <label htmlFor={`${id}-type`}>Event type</label>
          <input id={`${id}-type`} placeholder="call.ended" value={draft.type ?? ''} onChange={(e) => set('type', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} type="datetime-local" value={isoToLocalInput(draft.start_time ?? '')} onChange={(e) => set('start_time', localInputToIso(e.target.value))} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Until</label>
          <input id={`${id}-until`} type="datetime-local" value={isoToLocalInput(draft.end_time ?? '')} onChange={(e) => set('end_time', localInputToIso(e.target.value))} />
        </div>
      </div>
      <div className="filter-actions">
        <button type="submit" className="button button-primary">Apply filters</button>
        {Object.keys(filters).length > 0 ? <button type="button" className="button button-quiet" onClick={() => onApply({})}>Clear</button> : null}
      </div>
    </form>
  );
}
