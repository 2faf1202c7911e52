import { useState } from 'preact/hooks';
import { Consent, StaffEntry, api, get, post } from '../api';
import { Card, ErrorNote, Loading, PageTitle, describeError, formatDateTime, useLoad } from '../ui';

export function SharingPage(props: { pid: string }) {
  const consents = useLoad((s) => get<{ consents: Consent[] }>(`/patients/${props.pid}/consents`, s).then((r) => r.consents ?? []), [props.pid]);
  const directory = useLoad((s) => get<{ staff: StaffEntry[] }>('/directory', s).then((r) => r.staff ?? []), []);
  const [grantee, setGrantee] = useState('');
  const [purpose, setPurpose] = useState<'care' | 'research'>('care');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const staff = directory.data ?? [];
  const nameOf = (id: string) => {
    const s = staff.find((x) => x.id === id);
    return s ? s.display_name ?? s.email : 'someone no longer listed';
  };
  const active = (consents.data ?? []).filter((c) => c.active !== false && !c.revoked_at);
  const past = (consents.data ?? []).filter((c) => c.active === false || c.revoked_at);

  async function grant(e: Event) {
    e.preventDefault();
    if (!grantee) {
      setMessage({ ok: false, text: 'Choose who to share with.' });
      return;
    }
    try {
      await post(`/patients/${props.pid}/consents`, { grantee_user_id: grantee, purpose });
      setMessage({ ok: true, text: `You now share your record with ${nameOf(grantee)} (${purpose}).` });
      setGrantee('');
      consents.reload();
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
  }

  async function revoke(c: Consent) {
    try {
      await api('DELETE', `/patients/${props.pid}/consents/${c.id}`);
      setMessage({ ok: true, text: `${nameOf(c.grantee_user_id)} can no longer see your record.` });
      setConfirming(null);
      consents.reload();
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
  }

  return (
    <>
      <PageTitle>Sharing</PageTitle>
      <p>You decide who can see your record. You can stop sharing at any time; it takes effect at once.</p>
      {message && (
        <p class={message.ok ? 'note ok' : 'note error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <Card title="Shared with" id="shared-with">
        {consents.loading && <Loading />}
        {consents.error ? <ErrorNote error={consents.error} /> : null}
        {consents.data && active.length === 0 && <p>You are not sharing your record with anyone.</p>}
        <ul class="plain consents">
          {active.map((c) => (
            <li key={c.id}>
              <span>
                <strong>{nameOf(c.grantee_user_id)}</strong> — {c.purpose === 'care' ? 'for your care' : 'for research'}
                {c.granted_at ? <span class="muted">, since {formatDateTime(c.granted_at)}</span> : null}
              </span>
              {confirming === c.id ? (
                <span class="confirm" role="group" aria-label={`Stop sharing with ${nameOf(c.grantee_user_id)}?`}>
                  <button type="button" class="danger" onClick={() => void revoke(c)}>
                    Yes, stop sharing
                  </button>
                  <button type="button" onClick={() => setConfirming(null)}>
                    Keep sharing
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirming(c.id)} aria-label={`Stop sharing with ${nameOf(c.grantee_user_id)}`}>
                  Stop sharing
                </button>
              )}
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Share with someone" id="share-new">
        {directory.error ? <ErrorNote error={directory.error} /> : null}
        <form onSubmit={grant}>
          <div class="field">
            <label for="grantee">Who</label>
            <select id="grantee" value={grantee} onChange={(e) => setGrantee(e.currentTarget.value)}>
              <option value="">Choose…</option>
              {staff.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.display_name ?? s.email} ({s.role})
                </option>
              ))}
            </select>
          </div>
          <fieldset class="question">
            <legend>What for</legend>
            <div class="choices">
              <label class="choice">
                <input type="radio" name="purpose" value="care" checked={purpose === 'care'} onChange={() => setPurpose('care')} />
                <span>My care (a clinician)</span>
              </label>
              <label class="choice">
                <input type="radio" name="purpose" value="research" checked={purpose === 'research'} onChange={() => setPurpose('research')} />
                <span>Research (de-identified)</span>
              </label>
            </div>
          </fieldset>
          <button type="submit" class="primary">
            Share
          </button>
        </form>
      </Card>
      {past.length > 0 && (
        <Card title="Earlier sharing" id="past-sharing">
          <ul class="plain">
            {past.map((c) => (
              <li key={c.id}>
                {nameOf(c.grantee_user_id)} ({c.purpose}){c.revoked_at ? `, stopped ${formatDateTime(c.revoked_at)}` : ''}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
