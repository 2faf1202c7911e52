import { useState } from 'preact/hooks';
import { ApiError, Legal, Patient, api, get, qs } from '../api';
import { Card, ErrorNote, Loading, PageTitle, describeError, useLoad } from '../ui';

const STATUS_TEXT: Record<Legal['status'], string> = {
  legal: 'Legal',
  regulated: 'Legal with rules (regulated)',
  restricted: 'Restricted',
  banned: 'Banned',
  unclear: 'Unclear',
};

function sourceText(s: Legal['sources'] extends (infer T)[] | undefined ? T : never): string {
  if (typeof s === 'string') return s;
  return s.title ?? s.citation ?? s.url ?? '';
}

export function LegalView(props: { jurisdiction: string }) {
  const legal = useLoad((s) => get<Legal>(`/legal${qs({ jurisdiction: props.jurisdiction })}`, s), [props.jurisdiction]);
  if (legal.loading) return <Loading />;
  if (legal.error) {
    if (legal.error instanceof ApiError && legal.error.code === 'no_record') {
      return <p class="note">We have no legal record for {props.jurisdiction}. Check your local rules.</p>;
    }
    return <ErrorNote error={legal.error} />;
  }
  const l = legal.data!;
  return (
    <div data-testid="legal-status">
      <p class={`legal-status ${l.status}`}>
        <strong>{STATUS_TEXT[l.status] ?? l.status}</strong> in {l.jurisdiction}
        {l.matched_level && l.matched_level !== 'exact' ? <span class="muted"> (rule for the wider area: {l.matched_level})</span> : null}
      </p>
      <dl class="facts">
        {l.minimum_age != null && (
          <>
            <dt>Minimum age</dt>
            <dd>{l.minimum_age}</dd>
          </>
        )}
        {l.effective_from && (
          <>
            <dt>In force since</dt>
            <dd>{l.effective_from}</dd>
          </>
        )}
        {l.last_verified && (
          <>
            <dt>Last checked</dt>
            <dd>{l.last_verified}</dd>
          </>
        )}
        {l.confidence && (
          <>
            <dt>Confidence</dt>
            <dd>{l.confidence}</dd>
          </>
        )}
      </dl>
      {l.notes && <p>{l.notes}</p>}
      {l.sources && l.sources.length > 0 && (
        <>
          <h3>Sources</h3>
          <ul class="sources">
            {l.sources.map((s, i) => (
              <li key={i}>{sourceText(s)}</li>
            ))}
          </ul>
        </>
      )}
      <p class="hint">This is information, not legal advice. Laws change; check the sources.</p>
    </div>
  );
}

export function LegalPage(props: { pid: string }) {
  const patient = useLoad((s) => get<Patient>(`/patients/${props.pid}`, s), [props.pid]);
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const jurisdiction = patient.data?.jurisdiction ?? null;

  async function save(e: Event) {
    e.preventDefault();
    const value = code.trim().toUpperCase();
    if (!value) return;
    try {
      await api('PATCH', `/patients/${props.pid}`, { jurisdiction: value });
      setMessage(null);
      setCode('');
      patient.reload();
    } catch (err) {
      setMessage(describeError(err));
    }
  }

  return (
    <>
      <PageTitle>Legal status</PageTitle>
      <Card title={jurisdiction ? `Where you live: ${jurisdiction}` : 'Where you live'} id="legal">
        {patient.loading && <Loading />}
        {patient.error ? <ErrorNote error={patient.error} /> : null}
        {jurisdiction ? <LegalView jurisdiction={jurisdiction} /> : patient.data ? <p>Tell us where you live to see the rules there.</p> : null}
      </Card>
      <Card title="Change where you live" id="legal-change">
        <form onSubmit={save}>
          <div class="field">
            <label for="jurisdiction">Country or state code</label>
            <p class="hint" id="jurisdiction-hint">
              For example US-TX for Texas, TH for Thailand, GB for the United Kingdom.
            </p>
            <input id="jurisdiction" aria-describedby="jurisdiction-hint" autoComplete="off" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </div>
          {message && (
            <p class="note error" role="alert">
              {message}
            </p>
          )}
          <button type="submit">Save</button>
        </form>
      </Card>
    </>
  );
}
