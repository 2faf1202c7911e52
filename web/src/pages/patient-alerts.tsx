import { ApiError } from '../api';
import { Card, ErrorNote, Loading, PageTitle, useLoad } from '../ui';
import { AlertItem, isOpen, loadAlerts } from './alerts';

export function AlertsPage(props: { pid: string }) {
  const alerts = useLoad((s) => loadAlerts(props.pid, s), [props.pid]);
  const open = (alerts.data ?? []).filter(isOpen);
  const done = (alerts.data ?? []).filter((a) => !isOpen(a));
  return (
    <>
      <PageTitle>Messages from your safety checks</PageTitle>
      <p>mitra checks what you log for things that may need care. Each message says why and where the advice comes from.</p>
      {alerts.loading && <Loading />}
      {alerts.error ? (
        alerts.error instanceof ApiError && alerts.error.missing ? (
          <p class="note muted">Safety messages will appear here when this server offers them.</p>
        ) : (
          <ErrorNote error={alerts.error} />
        )
      ) : null}
      {alerts.data && (
        <Card title={open.length ? `New (${open.length})` : 'Nothing new'} id="alerts-open">
          {open.length === 0 && <p>No new messages.</p>}
          <ul class="alerts">
            {open.map((a) => (
              <AlertItem key={a.id} alert={a} clinician={false} />
            ))}
          </ul>
        </Card>
      )}
      {done.length > 0 && (
        <Card title="Seen by your care team" id="alerts-done">
          <ul class="alerts">
            {done.map((a) => (
              <AlertItem key={a.id} alert={a} clinician={false} />
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
