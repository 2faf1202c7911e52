import { ApiError, TaperPlan, get } from '../api';
import { Card, formatCalendarDate, formatNumber } from '../ui';

export async function listPlans(pid: string): Promise<TaperPlan[]> {
  const r = await get<{ taper_plans?: TaperPlan[]; plans?: TaperPlan[] }>(`/patients/${pid}/taper-plans`);
  return r.taper_plans ?? r.plans ?? [];
}

export function targetFor(plan: TaperPlan, date: string) {
  const entries = [...plan.schedule].sort((a, b) => a.date.localeCompare(b.date));
  let current = null;
  for (const e of entries) if (e.date <= date) current = e;
  return current;
}

/** GET /patients/{pid}/taper/today: the active plan's target for the patient's today. */
export interface TaperToday {
  date: string;
  /** The plan's first day; before it there is no target (null). */
  start_date?: string | null;
  plan_id: string;
  target_mitragynine_mg: number | null;
  target_amount_g?: number | null;
  taken_today_mitragynine_mg?: number | null;
  on_hold?: boolean;
  current_product?: { product_name?: string } | null;
  adherence?: { days_at_or_under_target: number; days_compared: number; days_over_target: number; days_without_data?: number };
}

/** Today's target, or null without an active plan (the endpoint answers 404 then). */
export async function loadTaperToday(pid: string, signal?: AbortSignal): Promise<TaperToday | null> {
  try {
    return await get<TaperToday>(`/patients/${pid}/taper/today`, signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && !e.missing) return null;
    throw e;
  }
}

export function TodayTarget(props: { today: TaperToday | null; error: unknown; todayMg: number }) {
  if (props.error || !props.today) return null; // no plan, or not offered by this server
  const t = props.today;
  if (t.target_mitragynine_mg == null) {
    // An approved plan that starts later: say when, rather than show an empty target.
    const later = t.start_date && t.start_date > t.date ? t.start_date : null;
    return (
      <Card title="Today's taper target" id="taper-target">
        <p data-testid="taper-not-started">
          {later
            ? `Your taper plan starts on ${formatCalendarDate(later)}; its first daily target appears here that day.`
            : 'Your taper plan has no target for today. Ask your clinician.'}
        </p>
      </Card>
    );
  }
  const target = t.target_mitragynine_mg;
  const taken = t.taken_today_mitragynine_mg ?? props.todayMg;
  const within = taken <= target + 1e-9;
  const a = t.adherence;
  return (
    <Card title="Today's taper target" id="taper-target">
      <p class="big-number" data-testid="taper-target">
        {formatNumber(target)} mg mitragynine
        {t.target_amount_g ? (
          <span class="muted">
            {' '}
            (about {formatNumber(t.target_amount_g, 2)} g{t.current_product?.product_name ? ` of ${t.current_product.product_name}` : ''})
          </span>
        ) : null}
      </p>
      {t.on_hold && <p class="note">Your plan is paused for now: stay at this amount until your clinician or the plan moves on.</p>}
      <label for="adherence">Taken so far today: {formatNumber(taken)} mg</label>
      <meter id="adherence" min={0} max={Math.max(target, taken, 1)} optimum={0} high={target} value={taken}>
        {formatNumber(taken)} mg
      </meter>
      <p class={within ? 'note ok' : 'note warn'}>
        {within ? 'You are within today\u2019s target.' : 'You are above today\u2019s target. That happens; tell your clinician how it is going.'}
      </p>
      {a && a.days_compared > 0 && (
        <p data-testid="adherence">
          On target {a.days_at_or_under_target} of the last {a.days_compared} {a.days_compared === 1 ? 'day' : 'days'} of your plan.
        </p>
      )}
    </Card>
  );
}
