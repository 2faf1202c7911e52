// uPlot charts (uPlot styles elements through the CSSOM, which the strict CSP allows) and SVG
// sparklines for the clinician panel. Every chart has a text description for screen readers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  label: string;
  color: string;
  scale?: string;
  bars?: boolean;
  dash?: number[];
  /** Draw as a filled band between this series and the series at index bandWith (1-based). */
  bandWith?: number;
  hidden?: boolean;
}

export interface ChartProps {
  title: string;
  description: string; // text alternative: what the chart shows, with the latest values
  x: number[]; // unix seconds
  series: { spec: SeriesSpec; values: (number | null)[] }[];
  axes?: { scale: string; label: string; side?: 'left' | 'right' }[];
  height?: number;
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth || 320);
    const axes: uPlot.Axis[] = [{ stroke: '#333', grid: { stroke: '#e3e3e3' } }];
    for (const a of props.axes ?? [{ scale: 'y', label: '' }]) {
      axes.push({ scale: a.scale, label: a.label, side: a.side === 'right' ? 1 : 3, stroke: '#333', grid: { show: a.side !== 'right', stroke: '#e3e3e3' }, size: 56 });
    }
    const bands: uPlot.Band[] = [];
    props.series.forEach((s, i) => {
      if (s.spec.bandWith) bands.push({ series: [i + 1, s.spec.bandWith], fill: 'rgba(29,79,110,0.15)' });
    });
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 220,
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.spec.label,
          stroke: s.spec.color,
          width: 2,
          scale: s.spec.scale ?? 'y',
          dash: s.spec.dash,
          show: !s.spec.hidden,
          points: { show: !!s.spec.bars || undefined, size: 6 },
          paths: s.spec.bars ? uPlot.paths.bars!({ size: [0.6, 24] }) : undefined,
          fill: s.spec.bars ? s.spec.color + '99' : undefined,
          spanGaps: false,
        })),
      ],
      axes,
      bands,
      scales: { x: { time: true } },
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
    };
    const data = [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: props.height ?? 220 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={host} role="img" aria-label={props.description} />
    </figure>
  );
}

/** Inline SVG sparkline (no script work beyond building one polyline). */
export function Sparkline(props: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const w = props.width ?? 112;
  const h = props.height ?? 28;
  const vals = props.values.map((v) => (v === null || !Number.isFinite(v) ? null : v));
  const present = vals.filter((v): v is number => v !== null);
  if (present.length === 0) {
    return (
      <svg class="spark" width={w} height={h} role="img" aria-label={`${props.label}: no data`}>
        <line x1="0" y1={h - 1} x2={w} y2={h - 1} class="spark-empty" />
      </svg>
    );
  }
  const max = Math.max(...present, 1e-9);
  const step = vals.length > 1 ? w / (vals.length - 1) : w;
  const pts = vals
    .map((v, i) => (v === null ? null : `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`))
    .filter(Boolean)
    .join(' ');
  return (
    <svg class="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.label}>
      <polyline points={pts} class="spark-line" />
    </svg>
  );
}
