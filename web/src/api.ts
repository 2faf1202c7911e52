// Thin client for the documented mitra HTTP API (/api/v1). The bearer token lives in memory and
// in sessionStorage (gone when the tab closes); nothing else about the user is persisted here.

export type Role = 'patient' | 'clinician' | 'researcher' | 'admin';

export interface User {
  id: string;
  role: Role;
  organization_id: string;
  patient_id?: string;
  email?: string;
  totp_enabled?: boolean;
  restricted?: boolean;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message);
  }
  /** The endpoint is not part of this server build yet: the router's 404 on field "path", or 405. */
  get missing(): boolean {
    return this.status === 405 || (this.status === 404 && this.field === 'path');
  }
}

/** Thrown when the network itself failed (offline, server down): the request may be retried. */
export class NetworkError extends Error {}

const TOKEN_KEY = 'mitra.token';
const USER_KEY = 'mitra.user';

let token: string | null = sessionStorage.getItem(TOKEN_KEY);
let onUnauthorized: (() => void) | null = null;

export function currentToken(): string | null {
  return token;
}

export function storedUser(): User | null {
  const raw = sessionStorage.getItem(USER_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as User;
  } catch {
    return null;
  }
}

export function setSession(t: string | null, user: User | null): void {
  token = t;
  if (t && user) {
    sessionStorage.setItem(TOKEN_KEY, t);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  }
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  options: { signal?: AbortSignal; quiet401?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new NetworkError('No connection to the server');
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const err = (data as { error?: { code?: string; message?: string; field?: string } } | null)
      ?.error;
    const code = err?.code ?? 'http_' + response.status;
    if (response.status === 401 && !options.quiet401 && onUnauthorized) onUnauthorized();
    throw new ApiError(response.status, code, err?.message ?? response.statusText, err?.field);
  }
  return data as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, { signal });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});

export function qs(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

// ---- shapes (fields may grow; names fixed by DESIGN.md) ----

export interface Patient {
  id: string;
  display_name?: string;
  timezone: string;
  jurisdiction?: string | null;
  pregnant?: boolean | null;
  user_id?: string;
  // Optional summaries a server may add to the list; used when present.
  open_alerts?: { severity: Severity; count?: number }[] | number;
  highest_open_alert_severity?: Severity | null;
}

export interface Consent {
  id: string;
  patient_id: string;
  grantee_user_id: string;
  purpose: 'care' | 'research';
  active?: boolean;
  granted_at?: string;
  revoked_at?: string | null;
}

export interface StaffEntry {
  id: string;
  email: string;
  role: Role;
  display_name?: string;
}

export interface Product {
  id: string;
  name: string;
  vendor?: string;
  form: string;
  serving?: { amount: number; unit: string };
  grams_per_unit?: number | null;
}

export interface Lot {
  id: string;
  product_id: string;
  code: string;
}

export interface Dose {
  id: string;
  patient_id: string;
  taken_at: string;
  product_id?: string | null;
  lot_id?: string | null;
  amount: number;
  unit: string;
  amount_g?: number | null;
  mitragynine_mg?: number | null;
  hydroxymitragynine_mg?: number | null;
  derivation?: { source?: string; citation?: string | null };
  entered_in_error?: boolean;
}

export interface InstrumentItem {
  id: string;
  text: string;
  required?: boolean;
  options?: { value: number; label: string }[];
  min?: number | null;
  max?: number | null;
  integer?: boolean;
  anchors?: { min_label?: string; max_label?: string };
  safety_item?: boolean;
}

export interface Band {
  min: number;
  max: number;
  label: string;
  citation?: string;
}

export interface Instrument {
  id: string;
  version: string;
  title: string;
  administered_by: 'patient' | 'clinician';
  citation?: string;
  recall_window?: string;
  items: InstrumentItem[];
  bands: Band[];
  scoring?: { total_min?: number; total_max?: number };
}

export interface Assessment {
  id: string;
  instrument: string;
  taken_at: string;
  total: number;
  band: { label: string; citation?: string | null } | null;
  responses?: Record<string, number>;
}

export type Severity = 'info' | 'warning' | 'high' | 'urgent';

export interface Alert {
  id: string;
  patient_id: string;
  rule_id: string;
  severity: Severity;
  status: string;
  message: string;
  evidence?: Record<string, unknown>;
  citations?: (string | { text?: string; source?: string; url?: string })[];
  created_at: string;
  acknowledged_by?: string | null;
  note?: string | null;
}

export interface TaperPlan {
  id: string;
  patient_id: string;
  method: string;
  status: string;
  parameters?: Record<string, unknown>;
  schedule: { date: string; target_mitragynine_mg: number; target_amount_g?: number | null }[];
  created_by?: string;
  approved_by?: string | null;
}

export interface TimelineDay {
  date: string;
  dose_count: number;
  amount_g: number;
  mitragynine_mg: number;
  hydroxymitragynine_mg?: number;
  scales?: Record<string, { count: number; mean: number; max: number; last: number }>;
  craving?: { count: number; mean: number; max: number; last: number } | null;
}

export interface Timeline {
  patient_id: string;
  timezone: string;
  from: string;
  to: string;
  days: TimelineDay[];
  events?: { type: string; id: string; at: string; [k: string]: unknown }[];
}

export interface Exposure {
  from: string;
  to: string;
  step_h: number;
  times_h: number[];
  mitragynine_ng_ml: number[];
  hydroxymitragynine_ng_ml: number[];
  model_estimate_note?: string;
}

export interface Legal {
  jurisdiction: string;
  matched_level?: string;
  status: 'legal' | 'regulated' | 'restricted' | 'banned' | 'unclear';
  minimum_age?: number | null;
  limits?: unknown;
  effective_from?: string;
  effective_to?: string | null;
  sources?: (string | { title?: string; url?: string; citation?: string })[];
  last_verified?: string;
  confidence?: string;
  notes?: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { urgent: 4, high: 3, warning: 2, info: 1 };
