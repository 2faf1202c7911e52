import { useEffect, useState } from 'preact/hooks';
import { Alert, ApiError, Dose, Patient, Product, get } from '../api';
import { OutboxItem, discard, enqueue, onSent, sync } from '../outbox';
import { uuidv7 } from '../uuid';
import { Card, Link, PageTitle, describeError, formatDateTime, formatNumber, localDate, useLoad } from '../ui';
import { describeDose, loadProducts, loadRecentDoses } from './dose-log';
import { TodayTarget, loadTaperToday } from './taper-view';

export function PatientHome(props: { pid: string; pending: OutboxItem[] }) {
  const [message, setMessage] = useState<string | null>(
    new URLSearchParams(location.search).get('logged') ? 'Dose saved.' : null,
  );
  const [tick, setTick] = useState(0);
  // Also reload when the queue shrinks: a write sent while this page was mounting (before the
  // onSent listener below existed) would otherwise leave the lists without it.
  const sent = props.pending.length;
  const doses = useLoad((_s) => loadRecentDoses(props.pid, 2), [props.pid, tick, sent]);
  const products = useLoad<Product[]>(() => loadProducts().catch(() => []), []);
  const alerts = useLoad(
    (s) => get<{ alerts: Alert[] }>(`/patients/${props.pid}/alerts`, s).then((r) => r.alerts ?? []),
    [props.pid, tick, sent],
  );
  const patient = useLoad((s) => get<Patient>(`/patients/${props.pid}`, s), [props.pid]);
  const taper = useLoad((s) => loadTaperToday(props.pid, s), [props.pid, tick, sent]);

  // Reload the server lists when a queued write reaches the server.
  useEffect(() => onSent(() => setTick((t) => t + 1)), []);

  const productOf = (id?: string | null) => products.data?.find((p) => p.id === id);
  const all = doses.data ?? [];
  const last: Dose | undefined = all[all.length - 1];
  // "Today" is the patient's day in their own time zone (as the server counts it).
  const tz = patient.data?.timezone;
  const today = localDate(new Date().toISOString(), tz);
  const todays = all.filter((d) => localDate(d.taken_at, tz) === today);
  const todayMg = todays.reduce((s, d) => s + (d.mitragynine_mg ?? 0), 0);
  const todayG = todays.reduce((s, d) => s + (d.amount_g ?? 0), 0);
  const pendingDoses = props.pending.filter((i) => i.kind !== 'assessment');
  const openAlerts = (alerts.data ?? []).filter((a) => a.status !== 'acknowledged' && a.status !== 'resolved');

  async function repeatLast() {
    setMessage(null);
    const summary = last ? `Same as last time: ${describeDose(last, productOf(last.product_id))}` : 'Same as last time';
    try {
      await enqueue({ id: uuidv7(), kind: 'repeat_last', patient_id: props.pid, body: { taken_at: new Date().toISOString() }, summary });
      setMessage(`Saved: ${summary.replace('Same as last time: ', '')}, now.`);
    } catch (e) {
      setMessage(describeError(e));
    }
  }

  return (
    <>
      <PageTitle>Today</PageTitle>
      {message && (
        <p class="note ok" role="status">
          {message}
        </p>
      )}
      <Card title="Log a dose" id="quick-log">
        <p class="muted">
          {last ? (
            <>
              Last time: {describeDose(last, productOf(last.product_id))}, {formatDateTime(last.taken_at)}.
            </>
          ) : doses.loading ? (
            'Looking up your last dose…'
          ) : (
            'No dose in the last two days.'
          )}
        </p>
        <div class="actions">
          <button type="button" class="primary big" onClick={repeatLast} disabled={!last && !doses.error && !doses.loading ? true : false}>
            Same as last time
          </button>
          <Link href="/p/log" class="button big">
            Another dose…
          </Link>
        </div>
      </Card>

      {props.pending.length > 0 && (
        <Card title="Waiting to be sent" id="pending">
          <ul class="pending-list" data-testid="pending-list">
            {props.pending.map((i) => (
              <li key={i.id} class={i.status}>
                <span>{i.summary}</span>{' '}
                {i.status === 'pending' ? (
                  <span class="badge pending">waiting for connection</span>
                ) : (
                  <>
                    <span class="badge failed">not saved: {i.error}</span>{' '}
                    <button type="button" class="link-button" onClick={() => void discard(i.id)}>
                      Remove
                    </button>
                  </>
                )}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void sync()}>
            Try sending now
          </button>
        </Card>
      )}

      <TodayTarget today={taper.data ?? null} error={taper.error} todayMg={todayMg} />

      <Card title="So far today" id="today">
        {doses.error ? (
          <p class="note muted">{describeError(doses.error)}</p>
        ) : (
          <>
            <p class="big-number" data-testid="today-total">
              {formatNumber(todayG, 2)} g <span class="muted">·</span> {formatNumber(todayMg)} mg mitragynine
              <span class="muted"> ({todays.length + pendingDoses.length} {todays.length + pendingDoses.length === 1 ? 'dose' : 'doses'}{pendingDoses.length ? `, ${pendingDoses.length} not yet sent` : ''})</span>
            </p>
            <ul class="plain">
              {todays.map((d) => (
                <li key={d.id}>
                  {new Date(d.taken_at).toLocaleTimeString(undefined, { timeStyle: 'short' })}: {describeDose(d, productOf(d.product_id))}
                </li>
              ))}
            </ul>
          </>
        )}
      </Card>

      <Card title="Check-in" id="checkin-card">
        <p>How is your withdrawal and craving right now?</p>
        <Link href="/p/check-in" class="button">
          Start a check-in
        </Link>
      </Card>

      {alerts.error && !(alerts.error instanceof ApiError && alerts.error.missing) ? null : openAlerts.length > 0 ? (
        <Card title="Things to know" id="alerts-card">
          <p>
            You have {openAlerts.length} {openAlerts.length === 1 ? 'message' : 'messages'} from your safety checks.{' '}
            <Link href="/p/alerts">Read them</Link>
          </p>
        </Card>
      ) : null}
    </>
  );
}
