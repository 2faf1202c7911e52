import { useEffect, useState } from 'preact/hooks';
import { setUnauthorizedHandler } from './api';
import { OutboxItem, subscribe } from './outbox';
import { match, navigate, usePath } from './router';
import { signOut, signedOut, useUser } from './session';
import { Link } from './ui';
import { LoginPage } from './pages/login';
import { PatientHome } from './pages/patient-home';
import { DoseLogPage } from './pages/dose-log';
import { CheckInList, CheckInForm } from './pages/check-in';
import { ProgressPage } from './pages/progress';
import { SharingPage } from './pages/sharing';
import { LegalPage } from './pages/legal';
import { AlertsPage } from './pages/patient-alerts';
import { PanelPage } from './pages/panel';
import { ClinicianPatientPage } from './pages/clinician-patient';
import { VisitSummaryPage } from './pages/summary';
import { SecurityPage } from './pages/security';

setUnauthorizedHandler(() => {
  signedOut();
  navigate('/login', true);
});

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

function usePending(): { items: OutboxItem[]; syncing: boolean } {
  const [state, setState] = useState<{ items: OutboxItem[]; syncing: boolean }>({ items: [], syncing: false });
  useEffect(() => subscribe((items, syncing) => setState({ items, syncing })), []);
  return state;
}

const PATIENT_NAV = [
  ['/p', 'Today'],
  ['/p/log', 'Log dose'],
  ['/p/check-in', 'Check-in'],
  ['/p/progress', 'Progress'],
  ['/p/alerts', 'Alerts'],
  ['/p/sharing', 'Sharing'],
  ['/p/legal', 'Legal'],
] as const;

const CLINICIAN_NAV = [
  ['/c', 'Patients'],
  ['/settings/security', 'Security'],
] as const;

export function App() {
  const user = useUser();
  const path = usePath();
  const online = useOnline();
  const pending = usePending();
  const pathname = path.split('?')[0];

  useEffect(() => {
    if (!user && pathname !== '/login') navigate('/login', true);
    else if (user && (pathname === '/' || pathname === '/login')) {
      navigate(user.restricted ? '/settings/security' : user.role === 'patient' ? '/p' : '/c', true);
    }
  }, [user, pathname]);

  if (!user || pathname === '/login') {
    return (
      <main id="main" class="narrow">
        <LoginPage />
      </main>
    );
  }

  const nav = user.role === 'patient' ? PATIENT_NAV : CLINICIAN_NAV;
  const waiting = pending.items.filter((i) => i.status === 'pending').length;
  const failed = pending.items.filter((i) => i.status === 'failed').length;

  let page = <NotFound />;
  let m: Record<string, string> | null;
  if (user.role === 'patient' && user.patient_id) {
    const pid = user.patient_id;
    if (pathname === '/p') page = <PatientHome pid={pid} pending={pending.items} />;
    else if (pathname === '/p/log') page = <DoseLogPage pid={pid} />;
    else if (pathname === '/p/check-in') page = <CheckInList pid={pid} />;
    else if ((m = match('/p/check-in/:id', pathname))) page = <CheckInForm pid={pid} instrumentId={m.id} key={m.id} />;
    else if (pathname === '/p/progress') page = <ProgressPage pid={pid} />;
    else if (pathname === '/p/alerts') page = <AlertsPage pid={pid} />;
    else if (pathname === '/p/sharing') page = <SharingPage pid={pid} />;
    else if (pathname === '/p/legal') page = <LegalPage pid={pid} />;
    else if (pathname === '/settings/security') page = <SecurityPage />;
  } else {
    if (pathname === '/c') page = <PanelPage />;
    else if ((m = match('/c/patients/:pid', pathname))) page = <ClinicianPatientPage pid={m.pid} key={m.pid} />;
    else if ((m = match('/c/patients/:pid/summary', pathname))) page = <VisitSummaryPage pid={m.pid} key={m.pid} />;
    else if (pathname === '/settings/security') page = <SecurityPage />;
  }

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <Link href={user.role === 'patient' ? '/p' : '/c'}>mitra</Link>
        </div>
        <div class="status" role="status" aria-live="polite">
          {!online && <span class="badge offline">Offline</span>}
          {waiting > 0 && (
            <span class="badge pending" data-testid="pending-count">
              {pending.syncing ? 'Syncing' : 'Waiting to sync'}: {waiting}
            </span>
          )}
          {failed > 0 && <span class="badge failed">Not saved: {failed}</span>}
        </div>
        <button type="button" class="link-button" onClick={() => void signOut().then(() => navigate('/login'))}>
          Sign out
        </button>
      </header>
      <nav class="tabs" aria-label="Main">
        <ul>
          {nav.map(([href, label]) => (
            <li key={href}>
              <Link href={href} aria-current={pathname === href || (href !== '/p' && href !== '/c' && pathname.startsWith(href)) || (href === '/c' && pathname.startsWith('/c/')) ? 'page' : undefined}>
                {label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link href="/">Go to the start page</Link>
      </p>
    </>
  );
}
