import { useState } from 'preact/hooks';
import { ApiError, Assessment, Dose, Instrument, Patient, api, get } from '../api';
import { uuidv7 } from '../uuid';
import { Card, ErrorNote, Link, Loading, PageTitle, describeError, formatDateTime, formatNumber, useLoad } from '../ui';
import { AlertItem, isOpen, loadAlerts } from './alerts';
import { InstrumentForm, Responses } from './instrument-form';
import { PatientCharts } from './patient-charts';
import { TaperBuilder } from './taper-builder';

function AlertsSection(props: { pid: string }) {
  const alerts = useLoad((s) => loadAlerts(props.pid, s), [props.pid]);
  const open = (alerts.data ?? []).filter(isOpen);
  const done = (alerts.data ?? []).filter((a) => !isOpen(a)).slice(0, 10);
  return (
    <Card title={`Alerts${alerts.data ? ` (${open.length} open)` : ''}`} id="alerts">
      {alerts.loading && <Loading />}
      {alerts.error ? alerts.error instanceof ApiError && alerts.error.missing ? <p class="note muted">Alerts will appear here when this server offers them.</p> : <ErrorNote error={alerts.error} /> : null}
      {alerts.data && open.length === 0 && <p>No open alerts.</p>}
      <ul class="alerts">
        {open.map((a) => (
          <AlertItem key={a.id} alert={a} clinician onAcknowledged={alerts.reload} />
        ))}
      </ul>
      {done.length > 0 && (
        <details>
          <summary>Acknowledged ({done.length})</summary>
          <ul class="alerts">
            {done.map((a) => (
              <AlertItem key={a.id} alert={a} clinician />
            ))}
          </ul>
        </details>
      )}
    </Card>
  );
}

function RecentScores(props: { pid: string }) {
  const list = useLoad((s) => get<{ assessments: Assessment[] }>(`/patients/${props.pid}/assessments?from=${new Date(Date.now() - 30 * 86400000).toISOString()}`, s).then((r) => r.assessments ?? []), [props.pid]);
  if (list.error) return list.error instanceof ApiError && list.error.missing ? null : <ErrorNote error={list.error} />;
  const rows = [...(list.data ?? [])].sort((a, b) => b.taken_at.localeCompare(a.taken_at)).slice(0, 8);
  return (
    <Card title="Latest scores" id="scores">
      {list.loading && <Loading />}
      {list.data && rows.length === 0 && <p>No scores in the last 30 days.</p>}
      {rows.length > 0 && (
        <table class="compact" data-testid="scores-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Scale</th>
              <th scope="col">Total</th>
              <th scope="col">Band</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <tr key={a.id}>
                <td>{formatDateTime(a.taken_at)}</td>
                <td>{a.instrument}</td>
                <td>{formatNumber(a.total)}</td>
                <td>{a.band?.label ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function RecentDoses(props: { pid: string }) {
  const list = useLoad((s) => get<{ doses: Dose[] }>(`/patients/${props.pid}/doses?from=${new Date(Date.now() - 7 * 86400000).toISOString()}`, s).then((r) => r.doses ?? []), [props.pid]);
  if (list.error) return list.error instanceof ApiError && list.error.missing ? null : <ErrorNote error={list.error} />;
  const rows = [...(list.data ?? [])].filter((d) => !d.entered_in_error).sort((a, b) => b.taken_at.localeCompare(a.taken_at)).slice(0, 12);
  return (
    <Card title="Doses, last 7 days" id="doses">
      {list.loading && <Loading />}
      {list.data && rows.length === 0 && <p>No doses in the last 7 days.</p>}
      {rows.length > 0 && (
        <table class="compact" data-testid="doses-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Amount</th>
              <th scope="col">g</th>
              <th scope="col">mg mitragynine</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-dose-id={d.id}>
                <td>{formatDateTime(d.taken_at)}</td>
                <td>
                  {formatNumber(d.amount, 2)} {d.unit}
                </td>
                <td>{formatNumber(d.amount_g, 2)}</td>
                <td>
                  {formatNumber(d.mitragynine_mg)}
                  {d.derivation?.source === 'population_default' ? ' (est.)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function CowsEntry(props: { pid: string }) {
  const ins = useLoad(() => get<Instrument>('/instruments/cows-11'), []);
  const [result, setResult] = useState<Assessment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [formKey, setFormKey] = useState(0);

  async function submit(responses: Responses) {
    setBusy(true);
    setError(null);
    try {
      const r = await api<Assessment>('POST', `/patients/${props.pid}/assessments`, { id: uuidv7(), instrument: 'cows-11', taken_at: new Date().toISOString(), responses });
      setResult(r);
      setFormKey((k) => k + 1);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Record a COWS" id="cows">
      {ins.error ? ins.error instanceof ApiError && ins.error.missing ? <p class="note muted">The COWS form will appear here when this server offers instruments.</p> : <ErrorNote error={ins.error} /> : null}
      {result && (
        <p class="note ok" role="status" data-testid="cows-result">
          COWS saved: {formatNumber(result.total)}
          {result.band ? ` (${result.band.label})` : ''}.
        </p>
      )}
      {error && (
        <p class="note error" role="alert">
          {error}
        </p>
      )}
      {ins.data && (
        <details>
          <summary>Open the COWS form</summary>
          <InstrumentForm key={formKey} instrument={ins.data} submitLabel="Save COWS" busy={busy} onSubmit={submit} />
        </details>
      )}
    </Card>
  );
}

interface Note {
  id: string;
  text: string;
  created_at: string;
  author?: string;
  author_email?: string | null;
  amends?: string | null;
  amended_by?: string[];
}

function Notes(props: { pid: string }) {
  const notes = useLoad((s) => get<{ notes: Note[] }>(`/patients/${props.pid}/notes`, s).then((r) => r.notes ?? []), [props.pid]);
  const [text, setText] = useState('');
  const [amends, setAmends] = useState<Note | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (notes.error instanceof ApiError && notes.error.missing) {
    return (
      <Card title="Notes" id="notes">
        <p class="note muted">Clinical notes will appear here when this server offers them. Notes on acknowledged alerts are kept with each alert.</p>
      </Card>
    );
  }
  const list = notes.data ?? [];
  const byId = new Map(list.map((n) => [n.id, n]));
  async function add(e: Event) {
    e.preventDefault();
    if (!text.trim()) {
      setError('Write the note first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { id: uuidv7(), text: text.trim() };
      if (amends) body.amends = amends.id;
      await api('POST', `/patients/${props.pid}/notes`, body);
      setText('');
      setAmends(null);
      notes.reload();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Notes" id="notes">
      {notes.loading && <Loading />}
      {notes.error ? <ErrorNote error={notes.error} /> : null}
      {notes.data && list.length === 0 && <p>No notes yet.</p>}
      <ul class="plain notes" data-testid="notes-list">
        {list.map((n) => {
          const earlier = n.amends ? byId.get(n.amends) : undefined;
          const amended = (n.amended_by ?? []).length > 0;
          return (
            <li key={n.id}>
              <p class="small muted">
                {formatDateTime(n.created_at)} · {n.author_email ?? 'a former account'}
                {n.amends ? ` · corrects the note of ${earlier ? formatDateTime(earlier.created_at) : 'an earlier date'}` : ''}
                {amended ? (
                  <>
                    {' '}
                    <span class="badge pending">amended</span>
                  </>
                ) : null}
              </p>
              <p class="note-text">{n.text}</p>
              <button type="button" class="link-button" onClick={() => setAmends(n)} aria-label={`Correct the note of ${formatDateTime(n.created_at)}`}>
                Correct
              </button>
            </li>
          );
        })}
      </ul>
      <form onSubmit={add}>
        {amends && (
          <p class="note muted">
            Correcting the note of {formatDateTime(amends.created_at)}; it stays in the record.{' '}
            <button type="button" class="link-button" onClick={() => setAmends(null)}>
              Cancel correction
            </button>
          </p>
        )}
        <div class="field">
          <label for="note-text">{amends ? 'Correction' : 'New note'}</label>
          <textarea id="note-text" rows={3} maxLength={10000} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        {error && (
          <p class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {amends ? 'Add correction' : 'Add note'}
        </button>
      </form>
    </Card>
  );
}

export function ClinicianPatientPage(props: { pid: string }) {
  const patient = useLoad((s) => get<Patient>(`/patients/${props.pid}`, s), [props.pid]);
  const [days, setDays] = useState(30);
  if (patient.error) {
    return (
      <>
        <PageTitle>Patient</PageTitle>
        {patient.error instanceof ApiError && (patient.error.status === 404 || patient.error.status === 403) ? (
          <p class="note">This patient no longer shares their record with you.</p>
        ) : (
          <ErrorNote error={patient.error} />
        )}
        <p>
          <Link href="/c">Back to your patients</Link>
        </p>
      </>
    );
  }
  const p = patient.data;
  return (
    <>
      <PageTitle>{p ? p.display_name || 'Patient' : 'Patient'}</PageTitle>
      {p && (
        <p class="muted">
          Time zone {p.timezone}
          {p.jurisdiction ? ` · ${p.jurisdiction}` : ''}
          {p.pregnant ? ' · pregnant' : ''} · <Link href={`/c/patients/${props.pid}/summary`}>Printable visit summary</Link>
        </p>
      )}
      <div class="grid">
        <div>
          <AlertsSection pid={props.pid} />
          <RecentScores pid={props.pid} />
          <RecentDoses pid={props.pid} />
          <CowsEntry pid={props.pid} />
          <Notes pid={props.pid} />
        </div>
        <div>
          <div class="field inline">
            <label for="chart-range">Charts</label>
            <select id="chart-range" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
              <option value={7}>last 7 days</option>
              <option value={30}>last 30 days</option>
              <option value={90}>last 90 days</option>
            </select>
          </div>
          <PatientCharts pid={props.pid} days={days} />
          {/* Rendered once the patient is known: the plan's dates are on the patient's calendar. */}
          {p && <TaperBuilder pid={props.pid} timeZone={p.timezone} />}
        </div>
      </div>
    </>
  );
}
