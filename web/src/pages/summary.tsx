import { ApiError, Patient, get } from '../api';
import { ErrorNote, Link, PageTitle, formatDateTime, formatNumber, todayIso, useLoad } from '../ui';
import { isOpen, loadAlerts } from './alerts';
import { DoseChart, ScoreChart, loadTimeline } from './patient-charts';
import { listPlans, targetFor } from './taper-view';

/** One printed page for the last 30 days (see the @media print rules in styles.css). */
export function VisitSummaryPage(props: { pid: string }) {
  const patient = useLoad((s) => get<Patient>(`/patients/${props.pid}`, s), [props.pid]);
  const timeline = useLoad((s) => loadTimeline(props.pid, 30, s), [props.pid]);
  const alerts = useLoad((s) => loadAlerts(props.pid, s).catch((e) => (e instanceof ApiError && e.missing ? [] : Promise.reject(e))), [props.pid]);
  const plans = useLoad(() => listPlans(props.pid).catch(() => []), [props.pid]);
  const days = timeline.data?.days ?? [];
  const withDoses = days.filter((d) => d.dose_count > 0);
  const mean = (f: (d: (typeof days)[number]) => number) => (withDoses.length ? withDoses.reduce((s, d) => s + f(d), 0) / withDoses.length : 0);
  const last7 = days.slice(-7);
  const first7 = days.slice(0, 7);
  const avg = (xs: typeof days) => (xs.length ? xs.reduce((s, d) => s + (d.mitragynine_mg ?? 0), 0) / xs.length : 0);
  const plan = (plans.data ?? []).filter((p) => p.status === 'active').pop();
  const open = (alerts.data ?? []).filter(isOpen);
  const scales = new Map<string, number[]>();
  for (const d of days) for (const [k, v] of Object.entries(d.scales ?? {})) scales.set(k, [...(scales.get(k) ?? []), v.last]);

  return (
    <article class="summary">
      <div class="no-print actions">
        <Link href={`/c/patients/${props.pid}`}>Back to the patient</Link>
        <button type="button" class="primary" onClick={() => window.print()}>
          Print
        </button>
      </div>
      <PageTitle>Visit summary: {patient.data?.display_name ?? 'patient'}</PageTitle>
      <p class="muted">
        Last 30 days ({timeline.data?.from} to {timeline.data?.to}, {timeline.data?.timezone}) · printed {formatDateTime(new Date().toISOString())}
      </p>
      {patient.error ? <ErrorNote error={patient.error} /> : null}
      {timeline.error ? <ErrorNote error={timeline.error} /> : null}
      <section aria-labelledby="sum-doses">
        <h2 id="sum-doses">Use</h2>
        <ul class="facts-inline">
          <li>
            Days with doses: <strong>{withDoses.length}</strong> of {days.length}
          </li>
          <li>
            Mean on those days: <strong>{formatNumber(mean((d) => d.amount_g ?? 0), 2)} g</strong>, <strong>{formatNumber(mean((d) => d.mitragynine_mg ?? 0))} mg</strong> mitragynine
          </li>
          <li>
            First week {formatNumber(avg(first7))} → last week {formatNumber(avg(last7))} mg/day
          </li>
          {plan && (
            <li>
              Taper ({plan.method}): today's target {formatNumber(targetFor(plan, todayIso(patient.data?.timezone))?.target_mitragynine_mg)} mg
            </li>
          )}
        </ul>
        {timeline.data && <DoseChart timeline={timeline.data} height={150} />}
      </section>
      <section aria-labelledby="sum-scores">
        <h2 id="sum-scores">Scores</h2>
        <ul class="facts-inline">
          {[...scales.entries()].map(([k, v]) => (
            <li key={k}>
              {k}: {v.length} taken, latest <strong>{v[v.length - 1]}</strong>, highest {Math.max(...v)}
            </li>
          ))}
          {scales.size === 0 && <li>No scores recorded.</li>}
        </ul>
        {timeline.data && scales.size > 0 && <ScoreChart timeline={timeline.data} height={130} />}
      </section>
      <section aria-labelledby="sum-alerts">
        <h2 id="sum-alerts">Open alerts</h2>
        {open.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul class="plain">
            {open.map((a) => (
              <li key={a.id}>
                <strong>{a.severity}</strong>: {a.message} <span class="muted">({formatDateTime(a.created_at)})</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {timeline.data?.events && (
        <p class="muted small">
          {timeline.data.events.length} recorded events in the period. Concentrations and mg mitragynine are model or label estimates.
        </p>
      )}
    </article>
  );
}
