import { useState } from 'preact/hooks';
import { User, api, get } from '../api';
import { navigate } from '../router';
import { getUser, signedIn } from '../session';
import { Card, PageTitle, describeError, useLoad } from '../ui';
import { currentToken } from '../api';

interface Me extends User {
  totp_enabled?: boolean;
  totp_required?: boolean;
}

/** TOTP enrolment for clinicians and admins (and anyone who wants it). */
export function SecurityPage() {
  const me = useLoad((s) => get<Me>('/me', s), []);
  const [secret, setSecret] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const restricted = getUser()?.restricted;

  async function start() {
    setMessage(null);
    try {
      setSecret(await api<{ secret: string; otpauth_uri: string }>('POST', '/me/totp', {}));
    } catch (e) {
      setMessage({ ok: false, text: describeError(e) });
    }
  }

  async function confirm(e: Event) {
    e.preventDefault();
    try {
      await api('POST', '/me/totp/confirm', { code: code.trim() });
      setMessage({ ok: true, text: 'Two-step sign-in is on. You will be asked for a code each time you sign in.' });
      setSecret(null);
      const u = getUser();
      const t = currentToken();
      if (u && t) signedIn(t, { ...u, restricted: false, totp_enabled: true });
      me.reload();
      if (restricted) navigate(u?.role === 'patient' ? '/p' : '/c');
    } catch (err) {
      setMessage({ ok: false, text: describeError(err) });
    }
  }

  return (
    <>
      <PageTitle>Sign-in security</PageTitle>
      {restricted && (
        <p class="note warn" role="alert">
          Your clinic requires two-step sign-in. Set it up to continue.
        </p>
      )}
      <Card title="Two-step sign-in (TOTP)" id="totp">
        {me.data && <p data-testid="totp-state">{me.data.totp_enabled ? 'On.' : 'Off.'}</p>}
        {!me.data?.totp_enabled && !secret && (
          <button type="button" class="primary" onClick={() => void start()}>
            Set up two-step sign-in
          </button>
        )}
        {secret && (
          <form onSubmit={confirm}>
            <p>Add this key to your authenticator app, then enter the 6-digit code it shows.</p>
            <p>
              Key: <code data-testid="totp-secret">{secret.secret}</code>
            </p>
            <p class="small">
              <a href={secret.otpauth_uri}>Open in an authenticator app on this device</a>
            </p>
            <div class="field">
              <label for="totp-code">Code from the app</label>
              <input id="totp-code" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
            </div>
            <button type="submit" class="primary">
              Turn on
            </button>
          </form>
        )}
        {message && (
          <p class={message.ok ? 'note ok' : 'note error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
      </Card>
    </>
  );
}
