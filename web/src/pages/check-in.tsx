import { useEffect, useRef, useState } from 'preact/hooks';
import { Assessment, Instrument, get } from '../api';
import { CrisisResources } from '../crisis';
import { enqueue, onSent } from '../outbox';
import { uuidv7 } from '../uuid';
import { Card, ErrorNote, Link, Loading, PageTitle, describeError, formatNumber, useLoad } from '../ui';
import { InstrumentForm, Responses, safetyTriggered } from './instrument-form';

const INSTRUMENTS_KEY = 'mitra.instruments';

const FRIENDLY: Record<string, string> = {
  'sows-handelsman-16': 'Withdrawal check (SOWS)',
  'sows-gossop-10': 'Withdrawal check, short (SOWS Gossop)',
  'craving-nrs': 'Craving right now',
  'phq-9': 'Mood over the last two weeks (PHQ-9)',
  'gad-7': 'Worry and anxiety (GAD-7)',
  'dsm5-sud-11': 'Use pattern (DSM-5 checklist)',
};

export async function loadInstrument(id: string): Promise<Instrument> {
  const cacheKey = `${INSTRUMENTS_KEY}.${id}`;
  try {
    const i = await get<Instrument>(`/instruments/${encodeURIComponent(id)}`);
    localStorage.setItem(cacheKey, JSON.stringify(i));
    return i;
  } catch (e) {
    const cached = localStorage.getItem(cacheKey);
    if (cached) return JSON.parse(cached) as Instrument;
    throw e;
  }
}

async function loadInstruments(): Promise<Instrument[]> {
  try {
    const r = await get<{ instruments: Instrument[] }>('/instruments');
    localStorage.setItem(INSTRUMENTS_KEY, JSON.stringify(r.instruments ?? []));
    return r.instruments ?? [];
  } catch (e) {
    const cached = localStorage.getItem(INSTRUMENTS_KEY);
    if (cached) return JSON.parse(cached) as Instrument[];
    throw e;
  }
}

export function CheckInList(_props: { pid: string }) {
  const list = useLoad(() => loadInstruments(), []);
  const mine = (list.data ?? []).filter((i) => i.administered_by === 'patient');
  const order = Object.keys(FRIENDLY);
  mine.sort((a, b) => (order.indexOf(a.id) + 1 || 99) - (order.indexOf(b.id) + 1 || 99));
  return (
    <>
      <PageTitle>Check-in</PageTitle>
      <p>Pick a short questionnaire. Your answers help you and your care team see how you are doing.</p>
      {list.loading && <Loading />}
      {list.error ? <ErrorNote error={list.error} /> : null}
      <ul class="menu">
        {mine.map((i) => (
          <li key={i.id}>
            <Link href={`/p/check-in/${encodeURIComponent(i.id)}`}>
              <strong>{FRIENDLY[i.id] ?? i.title}</strong>
              <span class="muted">
                {' '}
                · {i.items.length} {i.items.length === 1 ? 'question' : 'questions'}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}

export function CheckInForm(props: { pid: string; instrumentId: string }) {
  const instrument = useLoad(() => loadInstrument(props.instrumentId), [props.instrumentId]);
  const [crisis, setCrisis] = useState(false);
  const [submittedId, setSubmittedId] = useState<string | null>(null);
  const [result, setResult] = useState<Assessment | null>(null);
  const [error, setError] = useState<string | null>(null);

  const pendingId = useRef<string | null>(null);
  useEffect(
    () =>
      onSent((item, response) => {
        if (item.id === pendingId.current) setResult(response as Assessment);
      }),
    [],
  );

  async function submit(responses: Responses) {
    const ins = instrument.data!;
    // Crisis resources first, before anything touches the network.
    if (safetyTriggered(ins, responses)) setCrisis(true);
    const id = uuidv7();
    pendingId.current = id;
    setSubmittedId(id);
    try {
      await enqueue({
        id,
        kind: 'assessment',
        patient_id: props.pid,
        body: { instrument: ins.id, taken_at: new Date().toISOString(), responses },
        summary: `${FRIENDLY[ins.id] ?? ins.title}`,
      });
    } catch (e) {
      setError(describeError(e));
    }
  }

  const ins = instrument.data;
  return (
    <>
      <PageTitle>{ins ? FRIENDLY[ins.id] ?? ins.title : 'Check-in'}</PageTitle>
      {crisis && <CrisisResources focus />}
      {instrument.loading && <Loading />}
      {instrument.error ? <ErrorNote error={instrument.error} /> : null}
      {ins && !submittedId && (
        <Card>
          <InstrumentForm instrument={ins} submitLabel="Save my answers" onSubmit={submit} />
        </Card>
      )}
      {submittedId && (
        <Card title="Thank you" id="checkin-result">
          {error ? (
            <p class="note error" role="alert">
              {error}
            </p>
          ) : result ? (
            <p role="status" data-testid="checkin-score">
              Your score: <strong>{formatNumber(result.total)}</strong>
              {result.band ? ` (${result.band.label})` : ''}.
            </p>
          ) : (
            <p role="status">Saved on this device; it will be sent and scored as soon as you are online.</p>
          )}
          <p>
            <Link href="/p">Back to today</Link> · <Link href="/p/progress">See your progress</Link>
          </p>
        </Card>
      )}
    </>
  );
}
