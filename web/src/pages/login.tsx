import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, User, api } from '../api';
import { navigate } from '../router';
import { signedIn } from '../session';
import { describeError } from '../ui';

interface LoginResponse {
  token: string;
  user: User;
  restricted?: boolean;
}

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const totpRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = 'Sign in · mitra';
    headingRef.current?.focus();
  }, []);
  useEffect(() => {
    if (needTotp) totpRef.current?.focus();
  }, [needTotp]);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { email: email.trim(), password };
      if (needTotp && totp.trim()) body.totp = totp.trim();
      const r = await api<LoginResponse>('POST', '/auth/login', body, { quiet401: true });
      const user: User = { ...r.user, restricted: r.restricted ?? false };
      signedIn(r.token, user);
      navigate(user.restricted ? '/settings/security' : user.role === 'patient' ? '/p' : '/c', true);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'totp_required' || err.field === 'totp')) {
        if (needTotp && totp) setError('That code did not work. Enter the current 6-digit code from your app.');
        setNeedTotp(true);
      } else if (err instanceof ApiError && err.status === 401) {
        setError('Email or password is not right.');
      } else if (err instanceof ApiError && err.status === 429) {
        setError('Too many attempts. Please wait a minute and try again.');
      } else {
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="login">
      <h1 ref={headingRef} tabIndex={-1}>
        Sign in to mitra
      </h1>
      <form onSubmit={submit} class="card" aria-describedby={error ? 'login-error' : undefined}>
        <div class="field">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </div>
        {needTotp && (
          <div class="field">
            <label for="totp">One-time code</label>
            <p class="hint" id="totp-hint">
              Your account uses two-step sign-in. Enter the 6-digit code from your authenticator app.
            </p>
            <input id="totp" ref={totpRef} name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6,8}" aria-describedby="totp-hint" required value={totp} onInput={(e) => setTotp(e.currentTarget.value)} />
          </div>
        )}
        {error && (
          <p id="login-error" class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
