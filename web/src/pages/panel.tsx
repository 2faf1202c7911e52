import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Alert, ApiError, Patient, SEVERITY_RANK, Severity, Timeline, get } from '../api';
import { Sparkline } from '../charts';
import { take } from '../prefetch';
import { ErrorNote, Link, Loading, PageTitle, formatNumber, useLoad } from '../ui';
import { SEVERITY_TEXT, isOpen } from './alerts';
import { loadTimeline } from './patient-charts';

interface AlertSummary {
  top: Severity | null;
  count: number;
}

/** Runs at most `limit` async jobs at once. */
function limiter(limit: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    if (active >= limit || !queue.length) return;
    active++;
    queue.shift()!();
  };
  return <T,>(job: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() =>
        job()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          }),
      );
      next();
    });
}

function summaryFromList(p: Patient): AlertSummary | undefined {
  if (p.highest_open_alert_severity !== undefined) {
    const n = typeof p.open_alerts === 'number' ? p.open_alerts : Array.isArray(p.open_alerts) ? p.open_alerts.length : p.highest_open_alert_severity ? 1 : 0;
    return { top: p.highest_open_alert_severity ?? null, count: n };
  }
  return undefined;
}

function nameOf(p: Patient): string {
  return p.display_name || `Patient ${p.id.slice(-6)}`;
}

const sparkLimit = limiter(4);
const PAGE_ROWS = 100;
const alertLimit = limiter(4);

// One observer for every row: runs each row's callback once, when it comes near the screen.
const visibleCallbacks = new Map<Element, () => void>();
let observer: IntersectionObserver | null = null;
function whenVisible(el: Element, cb: () => void): () => void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const f = visibleCallbacks.get(e.target);
        visibleCallbacks.delete(e.target);
        observer!.unobserve(e.target);
        f?.();
      }
    },
    { rootMargin: '200px' },
  );
  visibleCallbacks.set(el, cb);
  observer.observe(el);
  return () => {
    visibleCallbacks.delete(el);
    observer?.unobserve(el);
  };
}

function SparkCell(props: { pid: string }) {
  const ref = useRef<HTMLTableCellElement>(null);
  const [tl, setTl] = useState<Timeline | null | 'error'>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    const stop = whenVisible(el, () => {
      sparkLimit(() => (cancelled ? Promise.resolve(null) : loadTimeline(props.pid, 7))).then(
        (t) => !cancelled && t && setTl(t),
        () => !cancelled && setTl('error'),
      );
    });
    return () => {
      cancelled = true;
      stop();
    };
  }, [props.pid]);
  const mg = tl && tl !== 'error' ? tl.days.map((d) => d.mitragynine_mg ?? 0) : [];
  const sows = tl && tl !== 'error' ? tl.days.map((d) => d.scales?.['sows-handelsman-16']?.last ?? null) : [];
  const total = mg.reduce((s, v) => s + v, 0);
  return (
    <td ref={ref} class="spark-cell">
      {tl === null ? (
        <span class="muted">…</span>
      ) : tl === 'error' ? (
        <span class="muted">–</span>
      ) : (
        <span class="sparks">
          <Sparkline values={mg} label={`mg mitragynine per day, last 7 days: ${mg.map((v) => formatNumber(v, 0)).join(', ')}`} />
          <span class="muted small">{formatNumber(total / 7, 0)} mg/day</span>
          {sows.some((v) => v !== null) && <Sparkline values={sows} label={`SOWS, last 7 days: ${sows.map((v) => (v === null ? 'none' : v)).join(', ')}`} width={64} />}
        </span>
      )}
    </td>
  );
}

export function PanelPage() {
  const patients = useLoad((s) => take<{ patients: Patient[] }>('/patients', s).then((r) => r.patients ?? []), []);
  // The first page of rows (most urgent first); more on request, or narrow with Find. Keeps a
  // 1,000-patient panel interactive at once.
  const [limit, setLimit] = useState(PAGE_ROWS);
  const [alerts, setAlerts] = useState<Record<string, AlertSummary>>({});
  const [alertsState, setAlertsState] = useState<'loading' | 'done' | 'missing'>('loading');
  const [filter, setFilter] = useState('');

  useEffect(() => {
    const list = patients.data;
    if (!list) return;
    const fromList: Record<string, AlertSummary> = {};
    let all = true;
    for (const p of list) {
      const s = summaryFromList(p);
      if (s) fromList[p.id] = s;
      else all = false;
    }
    if (all) {
      setAlerts(fromList);
      setAlertsState('done');
      return;
    }
    if (!list.length) {
      setAlertsState('done');
      return;
    }
    let cancelled = false;
    const acc: Record<string, AlertSummary> = {};
    const one = (p: Patient) =>
      alertLimit(() => (cancelled ? Promise.reject(new Error('left the panel')) : get<{ alerts: Alert[] }>(`/patients/${p.id}/alerts`))).then((r) => {
        const open = (r.alerts ?? []).filter(isOpen);
        const top = open.reduce<Severity | null>((m, a) => (!m || SEVERITY_RANK[a.severity] > SEVERITY_RANK[m] ? a.severity : m), null);
        acc[p.id] = { top, count: open.length };
      });
    // Probe the endpoint once, then fetch the rest in the background.
    one(list[0]).then(
      () =>
        Promise.allSettled(list.slice(1).map(one)).then(() => {
          if (!cancelled) {
            setAlerts({ ...acc });
            setAlertsState('done');
          }
        }),
      (e) => !cancelled && setAlertsState(e instanceof ApiError && e.missing ? 'missing' : 'done'),
    );
    return () => {
      cancelled = true;
    };
  }, [patients.data]);

  const rows = useMemo(() => {
    const list = [...(patients.data ?? [])];
    const q = filter.trim().toLowerCase();
    const shown = q ? list.filter((p) => nameOf(p).toLowerCase().includes(q)) : list;
    return shown.sort((a, b) => {
      const sa = alerts[a.id]?.top ? SEVERITY_RANK[alerts[a.id].top!] : 0;
      const sb = alerts[b.id]?.top ? SEVERITY_RANK[alerts[b.id].top!] : 0;
      return sb - sa || (alerts[b.id]?.count ?? 0) - (alerts[a.id]?.count ?? 0) || nameOf(a).localeCompare(nameOf(b));
    });
  }, [patients.data, alerts, filter]);

  return (
    <>
      <PageTitle>Your patients</PageTitle>
      <div class="panel-tools">
        <div class="field inline">
          <label for="panel-filter">Find</label>
          <input id="panel-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </div>
        <p class="muted" role="status" data-testid="panel-order">
          {alertsState === 'loading'
            ? 'Ordered by name; checking alerts…'
            : alertsState === 'missing'
              ? 'Ordered by name.'
              : 'Ordered by open alert severity, then name.'}{' '}
          {patients.data ? `${Math.min(rows.length, limit)} shown of ${rows.length}${rows.length !== patients.data.length ? ` matching (${patients.data.length} in all)` : ''}.` : ''}
        </p>
      </div>
      {patients.loading && <Loading />}
      {patients.error ? <ErrorNote error={patients.error} /> : null}
      {patients.data && patients.data.length === 0 && <p>No patient shares their record with you yet.</p>}
      {rows.length > 0 && (
        <table class="panel" data-testid="panel">
          <caption class="sr-only">Patients who share their record with you</caption>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Open alerts</th>
              <th scope="col">Last 7 days</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, limit).map((p) => {
              const s = alerts[p.id];
              return (
                <tr key={p.id} data-pid={p.id}>
                  <th scope="row">
                    <Link href={`/c/patients/${p.id}`}>{nameOf(p)}</Link>
                  </th>
                  <td>
                    {s && s.count > 0 ? (
                      <span class={`sev sev-${s.top}`}>
                        {SEVERITY_TEXT[s.top!] ?? s.top} · {s.count}
                      </span>
                    ) : s ? (
                      <span class="muted">none</span>
                    ) : (
                      <span class="muted">–</span>
                    )}
                  </td>
                  <SparkCell pid={p.id} />
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {rows.length > limit && (
        <p>
          <button type="button" onClick={() => setLimit((l) => l + PAGE_ROWS)}>
            Show {Math.min(PAGE_ROWS, rows.length - limit)} more ({rows.length - limit} not shown)
          </button>
        </p>
      )}
    </>
  );
}
