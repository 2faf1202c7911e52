import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NetworkError } from './api';
import { navigate } from './router';

export function Link(props: { href: string; class?: string; children: ComponentChildren; 'aria-current'?: 'page' }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} onClick={onClick} aria-current={props['aria-current']}>
      {props.children}
    </a>
  );
}

/** Page heading that takes focus when the page opens, so screen readers announce the new page. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${ref.current?.textContent ?? ''} · mitra`;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

export function describeError(e: unknown): string {
  if (e instanceof NetworkError) return 'You are offline or the server cannot be reached.';
  if (e instanceof ApiError) {
    if (e.missing) return 'This part is not available on this server yet.';
    if (e.status === 403) return 'You are not allowed to see this.';
    return e.field ? `${e.message} (${e.field})` : e.message;
  }
  return String(e);
}

export function ErrorNote(props: { error: unknown }) {
  return (
    <p class="note error" role="alert">
      {describeError(props.error)}
    </p>
  );
}

export function Unavailable(props: { what: string }) {
  return <p class="note muted">{props.what} will appear here when this server offers it.</p>;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs an async loader on mount and whenever deps change. */
export function useLoad<T>(loader: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    loader(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error) => !ctl.signal.aborted && setState({ error, loading: false }),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data: state.data, error: state.error, loading: state.loading, reload: () => setTick((t) => t + 1) };
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

export function Card(props: { title?: string; children: ComponentChildren; class?: string; id?: string }) {
  const headingId = props.id ? `${props.id}-title` : undefined;
  return (
    <section class={`card ${props.class ?? ''}`} id={props.id} aria-labelledby={headingId}>
      {props.title && <h2 id={headingId}>{props.title}</h2>}
      {props.children}
    </section>
  );
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A calendar date (YYYY-MM-DD) in words, e.g. "Tuesday, 8 December 2026" (no time zone shift). */
export function formatCalendarDate(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function formatNumber(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** Local "YYYY-MM-DDTHH:MM" for <input type="datetime-local">. */
export function localInputValue(d: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The calendar date (YYYY-MM-DD) of an instant in an IANA time zone; the device's without one. */
export function localDate(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (timeZone) {
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
    } catch {
      /* unknown zone: fall back to the device's */
    }
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Today's date in `timeZone` (the patient's, for anything on the patient's calendar: a
 * clinician may be a day ahead or behind), else on the device.
 */
export function todayIso(timeZone?: string): string {
  return localDate(new Date().toISOString(), timeZone);
}

export function Field(props: { label: string; id: string; hint?: string; children: JSX.Element }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.children}
    </div>
  );
}
