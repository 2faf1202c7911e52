import { useMemo } from 'preact/hooks';
import { ApiError, Exposure, Timeline, get, post, qs } from '../api';
import { Chart } from '../charts';
import { Card, describeError, formatNumber, useLoad } from '../ui';

export async function loadTimeline(pid: string, days: number, signal?: AbortSignal): Promise<Timeline> {
  // Instants, not dates: the server takes each one's day on the patient's calendar, so the last
  // day is the patient's today wherever this device is (a UTC date is a day off east or west).
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86400000);
  return get<Timeline>(`/patients/${pid}/timeline${qs({ from: from.toISOString(), to: to.toISOString() })}`, signal);
}

interface ExposureWithBand extends Exposure {
  band?: { p5: number[]; p95: number[] } | null;
}

/**
 * Estimated exposure for the range, plus a population uncertainty band (5th–95th percentile)
 * from POST /simulations over the same doses when that endpoint is available.
 */
export async function loadExposure(pid: string, days: number, signal?: AbortSignal): Promise<ExposureWithBand> {
  const to = new Date();
  const from = new Date(to.getTime() - days * 86400000);
  const stepH = days > 14 ? 6 : days > 3 ? 2 : 1;
  const ex = await get<ExposureWithBand>(`/patients/${pid}/exposure${qs({ from: from.toISOString(), to: to.toISOString(), step_h: stepH })}`, signal);
  try {
    const doses = await get<{ doses: { taken_at: string; mitragynine_mg?: number | null; entered_in_error?: boolean }[] }>(
      `/patients/${pid}/doses${qs({ from: from.toISOString(), to: to.toISOString() })}`,
      signal,
    );
    const regimen = (doses.doses ?? [])
      .filter((d) => !d.entered_in_error && d.mitragynine_mg && d.mitragynine_mg > 0)
      .map((d) => ({ time_h: (new Date(d.taken_at).getTime() - from.getTime()) / 3600000, dose_mg: d.mitragynine_mg as number }))
      .filter((d) => d.time_h >= 0)
      .sort((a, b) => a.time_h - b.time_h);
    if (regimen.length > 0) {
      const times = ex.times_h.filter((_, i) => i % Math.ceil(ex.times_h.length / 120) === 0);
      const sim = await post<{ times_h: number[]; population?: { mitragynine_ng_ml: { p5: number[]; p95: number[] } } }>('/simulations', {
        regimen,
        times_h: times,
        population: { subjects: 100, seed: 7 },
      });
      if (sim.population) {
        // Put the band on the exposure grid (nearest simulated time).
        const p5: number[] = [];
        const p95: number[] = [];
        let j = 0;
        for (const t of ex.times_h) {
          while (j + 1 < sim.times_h.length && Math.abs(sim.times_h[j + 1] - t) <= Math.abs(sim.times_h[j] - t)) j++;
          p5.push(sim.population.mitragynine_ng_ml.p5[j]);
          p95.push(sim.population.mitragynine_ng_ml.p95[j]);
        }
        ex.band = { p5, p95 };
      }
    }
  } catch {
    ex.band = null; // the point estimate still shows
  }
  return ex;
}

function Missing(props: { error: unknown; what: string }) {
  if (props.error instanceof ApiError && props.error.missing) {
    return <p class="note muted">{props.what} will appear here when this server offers it.</p>;
  }
  return <p class="note error">{describeError(props.error)}</p>;
}

export function DoseChart(props: { timeline: Timeline; height?: number }) {
  const spec = useMemo(() => {
    const x = props.timeline.days.map((d) => Date.parse(d.date + 'T12:00:00Z') / 1000);
    return {
      x,
      series: [
        { spec: { label: 'mg mitragynine', color: '#1d4f6e', bars: true, scale: 'mg' }, values: props.timeline.days.map((d) => d.mitragynine_mg ?? 0) },
        { spec: { label: 'grams', color: '#b5521b', scale: 'g' }, values: props.timeline.days.map((d) => d.amount_g ?? 0) },
      ],
    };
  }, [props.timeline]);
  const days = props.timeline.days;
  const last = days[days.length - 1];
  const total = days.reduce((s, d) => s + (d.mitragynine_mg ?? 0), 0);
  return (
    <Chart
      title="Daily amount: mg mitragynine (bars) and grams (line)"
      description={`Daily doses over ${days.length} days, ${formatNumber(total)} mg mitragynine in all; latest day ${last?.date}: ${formatNumber(last?.amount_g, 2)} g, ${formatNumber(last?.mitragynine_mg)} mg.`}
      x={spec.x}
      series={spec.series}
      axes={[
        { scale: 'mg', label: 'mg mitragynine' },
        { scale: 'g', label: 'g', side: 'right' },
      ]}
      height={props.height}
    />
  );
}

const SCALE_COLORS: Record<string, string> = {
  'sows-handelsman-16': '#7a3e9d',
  'sows-gossop-10': '#a15c00',
  'cows-11': '#b3261e',
  'craving-nrs': '#1b7f5a',
  'phq-9': '#4a4a4a',
  'gad-7': '#0061a4',
};

export function ScoreChart(props: { timeline: Timeline; instruments?: string[]; height?: number }) {
  const spec = useMemo(() => {
    const present = new Set<string>();
    for (const d of props.timeline.days) for (const k of Object.keys(d.scales ?? {})) present.add(k);
    const ids = [...present].filter((k) => !props.instruments || props.instruments.includes(k)).sort();
    const x = props.timeline.days.map((d) => Date.parse(d.date + 'T12:00:00Z') / 1000);
    return {
      ids,
      x,
      series: ids.map((id) => ({
        spec: { label: id, color: SCALE_COLORS[id] ?? '#555' },
        values: props.timeline.days.map((d) => d.scales?.[id]?.last ?? null),
      })),
    };
  }, [props.timeline, props.instruments]);
  if (spec.ids.length === 0) return <p class="muted">No scores in this period yet.</p>;
  const latest = spec.ids
    .map((id) => {
      const vals = spec.series.find((s) => s.spec.label === id)!.values.filter((v) => v !== null);
      return `${id} latest ${vals.length ? vals[vals.length - 1] : 'none'}`;
    })
    .join('; ');
  return <Chart title="Scores (last of each day)" description={`Scale totals by day: ${latest}.`} x={spec.x} series={spec.series} axes={[{ scale: 'y', label: 'score' }]} height={props.height} />;
}

export function ExposureChart(props: { exposure: ExposureWithBand; height?: number }) {
  const spec = useMemo(() => {
    const start = Date.parse(props.exposure.from) / 1000;
    const x = props.exposure.times_h.map((h) => start + h * 3600);
    const series: { spec: { label: string; color: string; bandWith?: number; dash?: number[] }; values: (number | null)[] }[] = [
      { spec: { label: 'mitragynine (ng/ml, estimate)', color: '#1d4f6e' }, values: props.exposure.mitragynine_ng_ml },
    ];
    if (props.exposure.band) {
      series.push({ spec: { label: '95th percentile', color: '#8fb3c9', dash: [4, 4], bandWith: 3 }, values: props.exposure.band.p95 });
      series.push({ spec: { label: '5th percentile', color: '#8fb3c9', dash: [4, 4] }, values: props.exposure.band.p5 });
    }
    return { x, series };
  }, [props.exposure]);
  const vals = props.exposure.mitragynine_ng_ml;
  const peak = vals.length ? Math.max(...vals) : 0;
  return (
    <>
      <Chart
        title={props.exposure.band ? 'Estimated mitragynine in blood, with 5th–95th percentile band' : 'Estimated mitragynine in blood'}
        description={`Model estimate of mitragynine concentration; peak ${formatNumber(peak)} ng/ml, now ${formatNumber(vals[vals.length - 1])} ng/ml.`}
        x={spec.x}
        series={spec.series}
        axes={[{ scale: 'y', label: 'ng/ml' }]}
        height={props.height}
      />
      {props.exposure.model_estimate_note && <p class="source">{props.exposure.model_estimate_note}</p>}
    </>
  );
}

export function PatientCharts(props: { pid: string; days: number; compact?: boolean }) {
  const timeline = useLoad((s) => loadTimeline(props.pid, props.days, s), [props.pid, props.days]);
  const exposure = useLoad((s) => loadExposure(props.pid, Math.min(props.days, 14), s), [props.pid, props.days]);
  const h = props.compact ? 160 : 220;
  return (
    <>
      <Card title="Doses" id="chart-doses">
        {timeline.data ? <DoseChart timeline={timeline.data} height={h} /> : timeline.error ? <Missing error={timeline.error} what="Daily doses" /> : <p class="muted">Loading…</p>}
      </Card>
      <Card title="Scores" id="chart-scores">
        {timeline.data ? <ScoreChart timeline={timeline.data} height={h} /> : timeline.error ? <Missing error={timeline.error} what="Scores" /> : <p class="muted">Loading…</p>}
      </Card>
      <Card title="Estimated exposure" id="chart-exposure">
        {exposure.data ? <ExposureChart exposure={exposure.data} height={h} /> : exposure.error ? <Missing error={exposure.error} what="Estimated exposure" /> : <p class="muted">Loading…</p>}
      </Card>
    </>
  );
}
