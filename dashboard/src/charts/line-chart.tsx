import { polylines } from './sparkline.tsx';

export interface ChartSeries {
  name: string;
  /** A CSS class giving the stroke colour: `series-a`, `series-b`, `series-c`. */
  tone: string;
  values: Array<number | null>;
}

/**
 * A line chart: the plot is an SVG stretched to the container (lines keep their width), and the
 * axis labels are HTML, so they stay readable at any width. Gaps where a value is null.
 */
export function LineChart({ series, xLabels, max, formatY, label }: {
  series: ChartSeries[];
  /** First, middle and last time labels. */
  xLabels: [string, string, string];
  /** Top of the y axis; default the largest value. */
  max?: number;
  formatY: (value: number) => string;
  label: string;
}) {
  const width = 600;
  const height = 160;
  const top = max ?? Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const hasData = series.some((s) => s.values.some((v) => v !== null));
  return (
    <figure className="chart" aria-label={label}>
      <div className="chart-body">
        <div className="chart-y" aria-hidden="true">
          <span>{formatY(top)}</span>
          <span>{formatY(top / 2)}</span>
          <span>{formatY(0)}</span>
        </div>
        <div className="chart-plot">
          <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={label}>
            {[0, 0.5, 1].map((f) => (
              <line key={f} x1="0" x2={width} y1={f * height} y2={f * height} className="chart-grid" vectorEffect="non-scaling-stroke" />
            ))}
            {series.map((s) =>
              polylines(s.values, top, width, height).map((points, i) => {
                if (points.includes(' ')) {
                  return <polyline key={`${s.name}-${i}`} points={points} className={`chart-line ${s.tone}`} fill="none" vectorEffect="non-scaling-stroke" />;
                }
                // A lone point (its neighbours had no attempts): a round dot that the stretched plot does not distort.
                const [x, y] = points.split(',');
                return <line key={`${s.name}-${i}`} x1={x} y1={y} x2={x} y2={y} className={`chart-dot ${s.tone}`} vectorEffect="non-scaling-stroke" />;
              }),
            )}
          </svg>
          {!hasData ? <p className="chart-empty muted">No attempts in this window</p> : null}
        </div>
      </div>
      <div className="chart-x" aria-hidden="true">
        {xLabels.map((text, i) => (
          <span key={i}>{text}</span>
        ))}
      </div>
      {series.length > 1 ? (
        <figcaption className="chart-legend">
          {series.map((s) => (
            <span key={s.name} className="legend-item">
              <span className={`legend-swatch ${s.tone}`} aria-hidden="true" />
              {s.name}
            </span>
          ))}
        </figcaption>
      ) : null}
    </figure>
  );
}
