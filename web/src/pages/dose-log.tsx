import { useEffect, useRef, useState } from 'preact/hooks';
import { Dose, Lot, Product, get, qs } from '../api';
import { enqueue } from '../outbox';
import { navigate } from '../router';
import { uuidv7 } from '../uuid';
import { Card, ErrorNote, Field, PageTitle, describeError, formatDateTime, formatNumber, localInputValue } from '../ui';

const UNITS = [
  ['g', 'grams (g)'],
  ['capsule', 'capsules'],
  ['tablet', 'tablets'],
  ['ml', 'millilitres (ml)'],
] as const;

const PRODUCTS_KEY = 'mitra.products';

/** Products are cached so the form still works offline. */
export async function loadProducts(): Promise<Product[]> {
  try {
    const r = await get<{ products: Product[] }>('/products');
    localStorage.setItem(PRODUCTS_KEY, JSON.stringify(r.products ?? []));
    return r.products ?? [];
  } catch (e) {
    const cached = localStorage.getItem(PRODUCTS_KEY);
    if (cached) return JSON.parse(cached) as Product[];
    throw e;
  }
}

export async function loadRecentDoses(pid: string, days = 30): Promise<Dose[]> {
  const from = new Date(Date.now() - days * 86400000).toISOString();
  const r = await get<{ doses: Dose[] }>(`/patients/${pid}/doses${qs({ from })}`);
  return (r.doses ?? []).filter((d) => !d.entered_in_error).sort((a, b) => a.taken_at.localeCompare(b.taken_at));
}

export function describeDose(d: Pick<Dose, 'amount' | 'unit' | 'mitragynine_mg'>, product?: Product): string {
  const what = product ? ` of ${product.name}` : '';
  const mg = d.mitragynine_mg != null ? ` (≈ ${formatNumber(d.mitragynine_mg)} mg mitragynine)` : '';
  return `${formatNumber(d.amount, 2)} ${d.unit}${what}${mg}`;
}

export function DoseLogPage(props: { pid: string }) {
  const [products, setProducts] = useState<Product[] | null>(null);
  const [productsError, setProductsError] = useState<unknown>(null);
  const [lots, setLots] = useState<Lot[]>([]);
  const [productId, setProductId] = useState('');
  const [lotId, setLotId] = useState('');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState('g');
  const [when, setWhen] = useState(localInputValue());
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const edited = useRef(false);

  useEffect(() => {
    loadProducts().then(
      (p) => {
        setProducts(p);
        // Start from the last dose's product when we know it, unless the patient has already
        // started filling the form (the lookup can finish after they typed).
        loadRecentDoses(props.pid, 14)
          .then((doses) => {
            const last = doses[doses.length - 1];
            if (last && !edited.current) {
              if (last.product_id) setProductId(last.product_id);
              setUnit(last.unit);
              setAmount(String(last.amount));
            }
          })
          .catch(() => undefined);
      },
      (e) => setProductsError(e),
    );
  }, [props.pid]);

  function chooseProduct(id: string) {
    edited.current = true;
    setProductId(id);
    const p = products?.find((x) => x.id === id);
    if (p?.serving?.unit && ['g', 'capsule', 'tablet', 'ml'].includes(p.serving.unit)) setUnit(p.serving.unit);
  }

  useEffect(() => {
    setLots([]);
    setLotId('');
    if (!productId) return;
    get<{ lots: Lot[] }>(`/products/${productId}/lots`).then(
      (r) => setLots(r.lots ?? []),
      () => setLots([]),
    );
  }, [productId]);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    const value = Number(amount);
    if (!Number.isFinite(value) || value <= 0) {
      setError('Enter the amount as a number above 0.');
      document.getElementById('dose-amount')?.focus();
      return;
    }
    const takenAt = new Date(when);
    if (Number.isNaN(takenAt.getTime())) {
      setError('Enter the time you took it.');
      return;
    }
    if (takenAt.getTime() > Date.now() + 60000) {
      setError('The time cannot be in the future.');
      document.getElementById('dose-time')?.focus();
      return;
    }
    const body: Record<string, unknown> = { taken_at: takenAt.toISOString(), amount: value, unit };
    if (productId) body.product_id = productId;
    if (lotId) body.lot_id = lotId;
    const product = products?.find((p) => p.id === productId);
    try {
      await enqueue({ id: uuidv7(), kind: 'dose', patient_id: props.pid, body, summary: `Dose: ${describeDose({ amount: value, unit, mitragynine_mg: null }, product)}` });
      setSaved(`Saved: ${formatNumber(value, 2)} ${unit} at ${formatDateTime(takenAt.toISOString())}.`);
      navigate('/p?logged=1');
    } catch (err) {
      setError(describeError(err));
    }
  }

  return (
    <>
      <PageTitle>Log a dose</PageTitle>
      <Card>
        <form onSubmit={submit} noValidate>
          {productsError ? <ErrorNote error={productsError} /> : null}
          <Field label="Product" id="dose-product" hint="Choose what you took. Pick “Not listed” if it is not here.">
            <select id="dose-product" aria-describedby="dose-product-hint" value={productId} onChange={(e) => chooseProduct(e.currentTarget.value)}>
              <option value="">Not listed</option>
              {(products ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.vendor ? ` (${p.vendor})` : ''}
                </option>
              ))}
            </select>
          </Field>
          {lots.length > 0 && (
            <Field label="Lot (batch)" id="dose-lot" hint="The batch code on the package, if you know it.">
              <select id="dose-lot" aria-describedby="dose-lot-hint" value={lotId} onChange={(e) => setLotId(e.currentTarget.value)}>
                <option value="">I don't know</option>
                {lots.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.code}
                  </option>
                ))}
              </select>
            </Field>
          )}
          <div class="row">
            <Field label="Amount" id="dose-amount">
              <input id="dose-amount" type="number" inputMode="decimal" min="0" step="any" required value={amount} onInput={(e) => {
                  edited.current = true;
                  setAmount(e.currentTarget.value);
                }} />
            </Field>
            <Field label="Unit" id="dose-unit">
              <select id="dose-unit" value={unit} onChange={(e) => {
                  edited.current = true;
                  setUnit(e.currentTarget.value);
                }}>
                {UNITS.map(([v, l]) => (
                  <option key={v} value={v}>
                    {l}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <Field label="When" id="dose-time">
            <input id="dose-time" type="datetime-local" required value={when} max={localInputValue(new Date(Date.now() + 60000))} onInput={(e) => setWhen(e.currentTarget.value)} />
          </Field>
          {error && (
            <p class="note error" role="alert">
              {error}
            </p>
          )}
          {saved && (
            <p class="note ok" role="status">
              {saved}
            </p>
          )}
          <button type="submit" class="primary">
            Save dose
          </button>
          <p class="hint">Saved on this device first; it is sent as soon as you are online.</p>
        </form>
      </Card>
    </>
  );
}
