import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { Alert, SEVERITY_RANK, get, post } from '../api';
import { CrisisResources } from '../crisis';
import { describeError, formatDateTime } from '../ui';

export const SEVERITY_TEXT: Record<string, string> = {
  urgent: 'Urgent',
  high: 'Important',
  warning: 'Take note',
  info: 'For your information',
};

export async function loadAlerts(pid: string, signal?: AbortSignal): Promise<Alert[]> {
  const r = await get<{ alerts: Alert[] }>(`/patients/${pid}/alerts`, signal);
  return (r.alerts ?? []).sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.created_at.localeCompare(a.created_at));
}

export const isOpen = (a: Alert) => !a.acknowledged_by && a.status !== 'acknowledged' && a.status !== 'resolved';

function citationText(c: NonNullable<Alert['citations']>[number]): string {
  if (typeof c === 'string') return c;
  return [c.text ?? c.source, c.url].filter(Boolean).join(' — ');
}

function Evidence(props: { evidence?: Record<string, unknown> }) {
  const entries = Object.entries(props.evidence ?? {});
  if (!entries.length) return null;
  return (
    <dl class="evidence">
      {entries.map(([k, v]) => (
        <Fragment key={k}>
          <dt>{k.replace(/_/g, ' ')}</dt>
          <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function AlertItem(props: { alert: Alert; clinician: boolean; onAcknowledged?: () => void }) {
  const a = props.alert;
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noteId = `ack-note-${a.id}`;

  async function acknowledge(e: Event) {
    e.preventDefault();
    if (!note.trim()) {
      setError('Write a short note of what you did.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await post(`/alerts/${a.id}/acknowledge`, { note: note.trim() });
      props.onAcknowledged?.();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class={`alert sev-${a.severity}`} data-testid="alert" data-rule={a.rule_id}>
      <p class="alert-head">
        <span class={`sev sev-${a.severity}`}>{SEVERITY_TEXT[a.severity] ?? a.severity}</span>{' '}
        <span class="muted">{formatDateTime(a.created_at)}</span>
        {!isOpen(a) && <span class="badge ok">acknowledged</span>}
      </p>
      <p class="alert-message">{a.message}</p>
      {!props.clinician && (a.rule_id === 'phq9-item9-positive' || (a as Alert & { crisis_resources?: unknown[] }).crisis_resources?.length) ? <CrisisResources /> : null}
      {props.clinician && <Evidence evidence={a.evidence} />}
      {a.citations && a.citations.length > 0 && (
        <details>
          <summary>Sources</summary>
          <ul class="sources">
            {a.citations.map((c, i) => (
              <li key={i}>{citationText(c)}</li>
            ))}
          </ul>
        </details>
      )}
      {a.note && <p class="muted">Note: {a.note}</p>}
      {props.clinician && isOpen(a) && (
        <form class="ack" onSubmit={acknowledge}>
          <label for={noteId}>Note (what you did)</label>
          <input id={noteId} required value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button type="submit" disabled={busy}>
            Acknowledge
          </button>
          {error && (
            <p class="note error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </li>
  );
}
