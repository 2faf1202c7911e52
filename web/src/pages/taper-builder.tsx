import { useMemo, useState } from 'preact/hooks';
import { ApiError, TaperPlan, get, post } from '../api';
import { Chart } from '../charts';
import { Card, describeError, formatCalendarDate, formatNumber, todayIso, useLoad } from '../ui';
import { listPlans, targetFor } from './taper-view';

const METHODS = [
  ['linear', 'Linear', 'The same amount less at each step.'],
  ['proportional', 'Percent of current', 'A fixed percent of the current amount at each step (smaller steps near the end).'],
  ['exposure', 'Exposure-guided', 'Steps chosen so the estimated blood level falls evenly.'],
] as const;

interface Simulation {
  times_h: number[];
  mitragynine_ng_ml: number[];
  population?: { mitragynine_ng_ml: { p5: number[]; p50: number[]; p95: number[] } };
}

/** GET /taper-plans/{id}/preview: expected exposure with a population 5th-95th percentile band. */
interface Preview {
  from_date: string;
  points: { time_h: number; p5_ng_ml: number; p50_ng_ml: number; p95_ng_ml: number }[];
  band?: string;
}

function previewToSimulation(p: Preview): Simulation {
  return {
    times_h: p.points.map((x) => x.time_h),
    mitragynine_ng_ml: p.points.map((x) => x.p50_ng_ml),
    population: {
      mitragynine_ng_ml: {
        p5: p.points.map((x) => x.p5_ng_ml),
        p50: p.points.map((x) => x.p50_ng_ml),
        p95: p.points.map((x) => x.p95_ng_ml),
      },
    },
  };
}

function ScheduleChart(props: { plan: TaperPlan; sim: Simulation | null }) {
  const x = props.plan.schedule.map((s) => Date.parse(s.date + 'T12:00:00Z') / 1000);
  const series = useMemo(() => [{ spec: { label: 'target mg mitragynine / day', color: '#1d4f6e' }, values: props.plan.schedule.map((s) => s.target_mitragynine_mg) }], [props.plan]);
  const simSpec = useMemo(() => {
    if (!props.sim) return null;
    const start = Date.parse(props.plan.schedule[0].date + 'T00:00:00Z') / 1000;
    const sx = props.sim.times_h.map((h) => start + h * 3600);
    const s: { spec: { label: string; color: string; bandWith?: number; dash?: number[] }; values: number[] }[] = [
      { spec: { label: 'estimated mitragynine ng/ml', color: '#b5521b' }, values: props.sim.mitragynine_ng_ml },
    ];
    if (props.sim.population) {
      s.push({ spec: { label: '95th percentile', color: '#e0a58a', dash: [4, 4], bandWith: 3 }, values: props.sim.population.mitragynine_ng_ml.p95 });
      s.push({ spec: { label: '5th percentile', color: '#e0a58a', dash: [4, 4] }, values: props.sim.population.mitragynine_ng_ml.p5 });
    }
    return { x: sx, series: s };
  }, [props.sim, props.plan]);
  const first = props.plan.schedule[0];
  const last = props.plan.schedule[props.plan.schedule.length - 1];
  return (
    <>
      <Chart
        title="Daily target"
        description={`Taper from ${formatNumber(first?.target_mitragynine_mg)} mg on ${first?.date} to ${formatNumber(last?.target_mitragynine_mg)} mg on ${last?.date}, ${props.plan.schedule.length} steps.`}
        x={x}
        series={series}
        axes={[{ scale: 'y', label: 'mg / day' }]}
        height={180}
      />
      {simSpec && (
        <Chart
          title="Simulated blood level on this plan (model estimate, 5th–95th percentile band)"
          description="Simulated mitragynine concentration if the plan is followed with one dose each morning."
          x={simSpec.x}
          series={simSpec.series}
          axes={[{ scale: 'y', label: 'ng/ml' }]}
          height={180}
        />
      )}
    </>
  );
}

/** Turns a plan's daily targets into a regimen for POST /simulations (one dose at 08:00 each day). */
function regimenOf(plan: TaperPlan) {
  const start = Date.parse(plan.schedule[0].date + 'T00:00:00Z');
  const sorted = [...plan.schedule].sort((a, b) => a.date.localeCompare(b.date));
  const lastDate = Date.parse(sorted[sorted.length - 1].date + 'T00:00:00Z');
  const days = Math.min(120, Math.round((lastDate - start) / 86400000) + 1);
  const regimen = [];
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86400000).toISOString().slice(0, 10);
    const t = targetFor(plan, date);
    if (t && t.target_mitragynine_mg > 0) regimen.push({ time_h: d * 24 + 8, dose_mg: t.target_mitragynine_mg });
  }
  const step = Math.max(1, Math.ceil((days * 24) / 240));
  const times = [];
  for (let h = 0; h <= days * 24; h += step) times.push(h);
  return { regimen, times };
}

/** `timeZone`: the patient's, whose calendar the plan's dates are on. */
export function TaperBuilder(props: { pid: string; timeZone?: string }) {
  const plans = useLoad(() => listPlans(props.pid), [props.pid]);
  const [method, setMethod] = useState<string>('proportional');
  const [startDate, setStartDate] = useState(() => todayIso(props.timeZone));
  const [stepPercent, setStepPercent] = useState('10');
  const [intervalDays, setIntervalDays] = useState('7');
  const [startMg, setStartMg] = useState('');
  const [endMg, setEndMg] = useState('');
  const [draft, setDraft] = useState<TaperPlan | null>(null);
  const [sim, setSim] = useState<Simulation | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const unavailable = plans.error instanceof ApiError && plans.error.missing;
  const current = (plans.data ?? []).filter((p) => p.status === 'active').pop() ?? (plans.data ?? []).filter((p) => p.status === 'approved').pop();

  async function preview(e: Event) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    setSim(null);
    try {
      const body: Record<string, unknown> = {
        method,
        start_date: startDate,
        step_percent: Number(stepPercent),
        interval_days: Number(intervalDays),
      };
      if (startMg.trim()) body.start_daily_mitragynine_mg = Number(startMg);
      if (endMg.trim()) body.end_mg = Number(endMg);
      const plan = await post<TaperPlan>(`/patients/${props.pid}/taper-plans`, body);
      setDraft(plan);
      if (plan.schedule.length) {
        // The server's preview (population band) when offered; else a simulation of the schedule.
        get<Preview>(`/taper-plans/${plan.id}/preview`)
          .then(previewToSimulation)
          .catch(() => {
            const { regimen, times } = regimenOf(plan);
            return post<Simulation>('/simulations', { regimen, times_h: times, population: { subjects: 100, seed: 11 } });
          })
          .then(setSim, () => setSim(null));
      }
    } catch (err) {
      setDraft(null);
      setMessage({ ok: false, text: describeError(err) });
    } finally {
      setBusy(false);
    }
  }

  async function approve() {
    if (!draft) return;
    setBusy(true);
    try {
      let plan = await post<TaperPlan>(`/taper-plans/${draft.id}/approve`, {});
      try {
        // Approval then start: the patient's "today" shows the active plan.
        plan = await post<TaperPlan>(`/taper-plans/${draft.id}/activate`, {});
      } catch (err) {
        if (!(err instanceof ApiError && err.missing)) throw err;
      }
      const started = plan && plan.schedule ? plan : { ...draft, status: 'approved' };
      setDraft(started);
      const first = started.schedule[0]?.date; // the schedule is in date order
      setMessage({
        ok: true,
        text:
          first && first > todayIso(props.timeZone)
            ? `Plan approved and started. It begins on ${formatCalendarDate(first)} on the patient\u2019s calendar; the patient sees its targets from that day.`
            : 'Plan approved and started. The patient sees today\u2019s target from now on.',
      });
      plans.reload();
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Taper plan" id="taper">
      {unavailable ? (
        <p class="note muted">Taper plans will appear here when this server offers them.</p>
      ) : (
        <>
          {current && (
            <p data-testid="current-plan">
              In force: {current.method} plan, today {formatNumber(targetFor(current, todayIso(props.timeZone))?.target_mitragynine_mg)} mg mitragynine.
            </p>
          )}
          <form onSubmit={preview} class="taper-form">
            <fieldset class="question">
              <legend>Method</legend>
              <div class="choices">
                {METHODS.map(([v, label, hint]) => (
                  <label class="choice" key={v}>
                    <input type="radio" name="taper-method" value={v} checked={method === v} onChange={() => setMethod(v)} />
                    <span>
                      <strong>{label}</strong> <span class="muted">— {hint}</span>
                    </span>
                  </label>
                ))}
              </div>
            </fieldset>
            <div class="row">
              <div class="field">
                <label for="taper-start">Start date</label>
                <input id="taper-start" type="date" aria-describedby="taper-start-hint" value={startDate} onInput={(e) => setStartDate(e.currentTarget.value)} />
                <p class="hint" id="taper-start-hint">
                  On the patient’s calendar{props.timeZone ? ` (${props.timeZone})` : ''}.
                </p>
              </div>
              <div class="field">
                <label for="taper-step">Step (%)</label>
                <input id="taper-step" type="number" min="1" max="50" value={stepPercent} onInput={(e) => setStepPercent(e.currentTarget.value)} />
              </div>
              <div class="field">
                <label for="taper-interval">Days between steps</label>
                <input id="taper-interval" type="number" min="1" max="60" value={intervalDays} onInput={(e) => setIntervalDays(e.currentTarget.value)} />
              </div>
              <div class="field">
                <label for="taper-end-mg">Stop at mg/day</label>
                <input id="taper-end-mg" type="number" min="0" step="any" aria-describedby="taper-end-mg-hint" value={endMg} onInput={(e) => setEndMg(e.currentTarget.value)} />
                <p class="hint" id="taper-end-mg-hint">
                  Below this the target becomes 0 (needed for percent steps).
                </p>
              </div>
              <div class="field">
                <label for="taper-start-mg">Starting mg/day (optional)</label>
                <input id="taper-start-mg" type="number" min="0" step="any" aria-describedby="taper-start-mg-hint" value={startMg} onInput={(e) => setStartMg(e.currentTarget.value)} />
                <p class="hint" id="taper-start-mg-hint">
                  Empty: the patient's last 7 days.
                </p>
              </div>
            </div>
            <button type="submit" disabled={busy}>
              Preview plan
            </button>
          </form>
          {message && (
            <p class={message.ok ? 'note ok' : 'note error'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </p>
          )}
          {draft && draft.schedule.length > 0 && (
            <div class="taper-preview" data-testid="taper-preview">
              <h3>
                Preview: {draft.method}, {draft.schedule.length} steps ({draft.status})
              </h3>
              {(draft as TaperPlan & { reasoning?: string }).reasoning && <p class="small">{(draft as TaperPlan & { reasoning?: string }).reasoning}</p>}
              <ScheduleChart plan={draft} sim={sim} />
              <details>
                <summary>Schedule table</summary>
                <table class="compact">
                  <thead>
                    <tr>
                      <th scope="col">From</th>
                      <th scope="col">Target mg mitragynine / day</th>
                      <th scope="col">About g / day</th>
                    </tr>
                  </thead>
                  <tbody>
                    {draft.schedule.map((s) => (
                      <tr key={s.date}>
                        <td>{s.date}</td>
                        <td>{formatNumber(s.target_mitragynine_mg)}</td>
                        <td>{formatNumber(s.target_amount_g, 2)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
              {draft.status !== 'approved' && draft.status !== 'active' && (
                <button type="button" class="primary" onClick={() => void approve()} disabled={busy}>
                  Approve and start this plan
                </button>
              )}
            </div>
          )}
        </>
      )}
    </Card>
  );
}
