import { useEffect, useId, useState, type FormEvent } from 'react';
import { useEndpoints } from '../endpoints/use-endpoints.ts';
import { isoToLocalInput, localInputToIso, shortUrl } from '../lib/format.ts';
import { ADVANCED_FILTER_NAMES, countFilters, tagsFromText, tagsText, type LogFilters } from './log-filters.ts';

const SORTS = [
  { value: '', label: 'Newest first' },
  { value: 'created_at', label: 'Oldest first' },
  { value: '-duration_ms', label: 'Slowest first' },
  { value: '-http_status', label: 'Highest HTTP status' },
  { value: '-attempt', label: 'Most attempts' },
];

/**
 * Every log filter of the API. Choices (selects) apply at once; typed fields apply with Enter or
 * the Apply button. The rarer filters sit behind "More filters", open when one of them is set.
 */
export function LogFilterBar({ filters, onApply }: { filters: LogFilters; onApply: (filters: LogFilters) => void }) {
  const id = useId();
  const endpoints = useEndpoints();
  const [draft, setDraft] = useState<LogFilters>(filters);
  const [tags, setTags] = useState(tagsText(filters));
  const [tagError, setTagError] = useState<string | null>(null);
  const advancedSet = ADVANCED_FILTER_NAMES.some((name) => filters[name]) || tagsText(filters) !== '';
  const [showMore, setShowMore] = useState(advancedSet);

  useEffect(() => {
    setDraft(filters);
    setTags(tagsText(filters));
  }, [filters]);

  const value = (name: string) => draft[name] ?? '';
  const set = (name: string, next: string) => setDraft((current) => ({ ...current, [name]: next }));

  const build = (base: LogFilters): LogFilters | null => {
    const parsed = tagsFromText(tags);
    if (parsed.invalid.length > 0) {
      setTagError(`Write tags as key=value: "${parsed.invalid[0]}" is not.`);
      return null;
    }
    setTagError(null);
    const next: LogFilters = {};
    for (const [name, v] of Object.entries(base)) if (!name.startsWith('tag[') && v.trim() !== '') next[name] = v.trim();
    return { ...next, ...parsed.tags };
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = build(draft);
    if (next) onApply(next);
  };
  const choose = (name: string, next: string) => {
    const updated = { ...draft, [name]: next };
    setDraft(updated);
    const built = build(updated);
    if (built) onApply(built);
  };
  const field = (name: string) => `${id}-${name.replace(/\W/g, '-')}`;

  return (
    <form className="filter-bar" onSubmit={submit} role="search" aria-label="Filter the log">
      <div className="filter-row">
        <div className="field field-grow">
          <label htmlFor={field('search')}>Search</label>
          <input id={field('search')} type="search" placeholder="URL, event type, error or body text" value={value('search')} onChange={(e) => set('search', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={field('status')}>Status</label>
          <select id={field('status')} value={value('status')} onChange={(e) => choose('status', e.target.value)}>
            <option value="">Any</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={field('endpoint_id')}>Endpoint</label>
          <select id={field('endpoint_id')} value={value('endpoint_id')} onChange={(e) => choose('endpoint_id', e.target.value)}>
            <option value="">All endpoints</option>
            {(endpoints.data ?? []).map((endpoint) => (
              <option key={endpoint.id} value={endpoint.id}>
                {endpoint.description || shortUrl(endpoint.url)}
              </option>
            ))}
            {value('endpoint_id') && !endpoints.data?.some((e) => e.id === value('endpoint_id')) ? <option value={value('endpoint_id')}>{value('endpoint_id')}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor={field('event_type')}>Event type</label>
          <input id={field('event_type')} placeholder="call.ended, invoice.*" value={value('event_type')} onChange={(e) => set('event_type', e.target.value)} />
        </div>
        <div className="field field-narrow">
          <label htmlFor={field('http_status')}>HTTP status</label>
          <input id={field('http_status')} placeholder="500, 4xx" value={value('http_status')} onChange={(e) => set('http_status', e.target.value)} />
        </div>
      </div>

      {showMore ? (
        <div className="filter-row filter-more" id={`${id}-more`}>
          {(['gte', 'gt', 'lte', 'lt'] as const).map((op) => (
            <div className="field field-narrow" key={op}>
              <label htmlFor={field(`http_status[${op}]`)}>HTTP status {({ gte: '≥', gt: '>', lte: '≤', lt: '<' })[op]}</label>
              <input id={field(`http_status[${op}]`)} inputMode="numeric" value={value(`http_status[${op}]`)} onChange={(e) => set(`http_status[${op}]`, e.target.value)} />
            </div>
          ))}
          <div className="field">
            <label htmlFor={field('http_method')}>Method</label>
            <select id={field('http_method')} value={value('http_method')} onChange={(e) => choose('http_method', e.target.value)}>
              <option value="">Any</option>
              <option>POST</option>
              <option>PUT</option>
              <option>PATCH</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={field('trigger')}>Trigger</label>
            <select id={field('trigger')} value={value('trigger')} onChange={(e) => choose('trigger', e.target.value)}>
              <option value="">Any</option>
              <option value="scheduled">Scheduled</option>
              <option value="manual">Manual retry</option>
            </select>
          </div>
          <div className="field field-narrow">
            <label htmlFor={field('attempt')}>Attempt</label>
            <input id={field('attempt')} placeholder="1, 2" value={value('attempt')} onChange={(e) => set('attempt', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={field('delivery_id')}>Delivery id</label>
            <input id={field('delivery_id')} placeholder="dlv_…" value={value('delivery_id')} onChange={(e) => set('delivery_id', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={field('event_id')}>Event id</label>
            <input id={field('event_id')} placeholder="evt_…" value={value('event_id')} onChange={(e) => set('event_id', e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={field('start_time')}>From</label>
            <input id={field('start_time')} type="datetime-local" value={isoToLocalInput(value('start_time'))} onChange={(e) => set('start_time', localInputToIso(e.target.value))} />
          </div>
          <div className="field">
            <label htmlFor={field('end_time')}>Until</label>
            <input id={field('end_time')} type="datetime-local" value={isoToLocalInput(value('end_time'))} onChange={(e) => set('end_time', localInputToIso(e.target.value))} />
          </div>
          <div className="field field-grow">
            <label htmlFor={field('tags')}>Tags</label>
            <input id={field('tags')} placeholder="call_id=c_123, region=eu" value={tags} onChange={(e) => setTags(e.target.value)} aria-describedby={tagError ? `${id}-tag-error` : undefined} aria-invalid={tagError ? true : undefined} />
            {tagError ? <span id={`${id}-tag-error`} className="field-error">{tagError}</span> : null}
          </div>
          <div className="field">
            <label htmlFor={field('sort')}>Order</label>
            <select id={field('sort')} value={value('sort')} onChange={(e) => choose('sort', e.target.value)}>
              {SORTS.map((sort) => (
                <option key={sort.value} value={sort.value}>{sort.label}</option>
              ))}
            </select>
          </div>
        </div>
      ) : null}

      <div className="filter-actions">
        <button type="submit" className="button button-primary">Apply filters</button>
        <button type="button" className="button" aria-expanded={showMore} aria-controls={`${id}-more`} onClick={() => setShowMore(!showMore)}>
          {showMore ? 'Fewer filters' : 'More filters'}
        </button>
        {countFilters(filters) > 0 ? (
          <button type="button" className="button button-quiet" onClick={() => { setTags(''); onApply({}); }}>
            Clear all ({countFilters(filters)})
          </button>
        ) : null}
      </div>
    </form>
  );
}
