/** Previous / next for keyset paging: the caller keeps the stack of cursors. */
export function Pager({ page, hasPrev, hasNext, onPrev, onNext, disabled, label }: {
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
  disabled?: boolean;
  label: string;
}) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="button" onClick={onPrev} disabled={disabled || !hasPrev}>
        ← Previous
      </button>
      <span className="pager-page" aria-live="polite">Page {page}</span>
      <button type="button" className="button" onClick={onNext} disabled={disabled || !hasNext}>
        Next →
      </button>
    </nav>
  );
}
