import type { ReactNode } from 'react';

/** Nothing to show: says why, and what to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <p className="state-title">{title}</p>
      {children ? <div className="state-hint">{children}</div> : null}
      {action ? <div className="state-action">{action}</div> : null}
    </div>
  );
}
