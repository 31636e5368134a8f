/** Splits values into runs without gaps (null = no data), as SVG point lists scaled to width × height. */
export function polylines(values: Array<number | null>, max: number, width: number, height: number): string[] {
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const runs: string[] = [];
  let current: string[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      if (current.length > 0) runs.push(current.join(' '));
      current = [];
      return;
    }
    const y = max > 0 ? height - (value / max) * height : height;
    current.push(`${(index * step).toFixed(2)},${y.toFixed(2)}`);
  });
  if (current.length > 0) runs.push(current.join(' '));
  return runs;
}

/**
 * A small success-rate line (0–100 %) over time; gaps where nothing was attempted. A single point
 * draws as a dot. `label` is what a screen reader hears; `tone` colours it by health.
 */
export function Sparkline({ values, label, tone = 'ok' }: { values: Array<number | null>; label: string; tone?: 'ok' | 'warn' | 'bad' }) {
  const width = 120;
  const height = 28;
  const runs = polylines(values, 1, width, height - 4).map((run) => run.split(' ').map((p) => {
    const [x, y] = p.split(',');
    return `${x},${Number(y) + 2}`;
  }).join(' '));
  return (
    <svg className={`sparkline spark-${tone}`} viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label}>
      <line x1="0" x2={width} y1="2" y2="2" className="sparkline-guide" />
      {runs.map((points, i) =>
        points.includes(' ') ? (
          <polyline key={i} points={points} className="sparkline-line" fill="none" />
        ) : (
          <circle key={i} cx={points.split(',')[0]} cy={points.split(',')[1]} r="2" className="sparkline-dot" />
        ),
      )}
    </svg>
  );
}
