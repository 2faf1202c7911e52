import { useState } from 'preact/hooks';
import { Instrument, InstrumentItem } from '../api';

export type Responses = Record<string, number>;

function choicesFor(item: InstrumentItem): { value: number; label: string }[] | null {
  if (item.options && item.options.length) return item.options;
  if (item.min != null && item.max != null && (item.integer ?? true) && item.max - item.min <= 10) {
    const out = [];
    for (let v = item.min; v <= item.max; v++) {
      let label = String(v);
      if (v === item.min && item.anchors?.min_label) label = `${v} – ${item.anchors.min_label}`;
      if (v === item.max && item.anchors?.max_label) label = `${v} – ${item.anchors.max_label}`;
      out.push({ value: v, label });
    }
    return out;
  }
  return null;
}

/** True when an answer to a safety item (PHQ-9 item 9) is above 0. */
export function safetyTriggered(instrument: Instrument, responses: Responses): boolean {
  return instrument.items.some((i) => i.safety_item && (responses[i.id] ?? 0) > 0);
}

/**
 * A friendly form generated from an instrument definition: one fieldset per item, radio buttons
 * for answer choices (arrow keys move within a group, Tab moves between questions).
 */
export function InstrumentForm(props: {
  instrument: Instrument;
  submitLabel: string;
  busy?: boolean;
  onSubmit: (responses: Responses) => void;
  onChange?: (responses: Responses) => void;
}) {
  const { instrument } = props;
  const [responses, setResponses] = useState<Responses>({});
  const [missing, setMissing] = useState<string[]>([]);

  function set(id: string, value: number) {
    const next = { ...responses, [id]: value };
    setResponses(next);
    setMissing((m) => m.filter((x) => x !== id));
    props.onChange?.(next);
  }

  function submit(e: Event) {
    e.preventDefault();
    const absent = instrument.items.filter((i) => (i.required ?? true) && responses[i.id] === undefined).map((i) => i.id);
    setMissing(absent);
    if (absent.length) {
      const first = document.querySelector<HTMLElement>(`[name="q-${CSS.escape(absent[0])}"]`);
      first?.focus();
      return;
    }
    props.onSubmit(responses);
  }

  return (
    <form onSubmit={submit} class="instrument" noValidate>
      {instrument.recall_window && <p class="hint">Think about: {instrument.recall_window}.</p>}
      {instrument.items.map((item, index) => {
        const choices = choicesFor(item);
        const err = missing.includes(item.id);
        const errId = `q-${item.id}-err`;
        return (
          <fieldset key={item.id} class={err ? 'question invalid' : 'question'} aria-describedby={err ? errId : undefined}>
            <legend>
              <span class="qnum">{index + 1}.</span> {item.text}
            </legend>
            {choices ? (
              <div class={choices.length > 5 ? 'choices scale' : 'choices'}>
                {choices.map((c) => (
                  <label key={c.value} class="choice">
                    <input type="radio" name={`q-${item.id}`} value={c.value} checked={responses[item.id] === c.value} onChange={() => set(item.id, c.value)} />
                    <span>{c.label}</span>
                  </label>
                ))}
              </div>
            ) : (
              <input
                type="number"
                name={`q-${item.id}`}
                aria-label={item.text}
                min={item.min ?? undefined}
                max={item.max ?? undefined}
                step={item.integer ? 1 : 'any'}
                value={responses[item.id] ?? ''}
                onInput={(e) => {
                  const v = Number(e.currentTarget.value);
                  if (e.currentTarget.value !== '' && Number.isFinite(v)) set(item.id, v);
                }}
              />
            )}
            {err && (
              <p id={errId} class="field-error">
                Please answer this question.
              </p>
            )}
          </fieldset>
        );
      })}
      {missing.length > 0 && (
        <p class="note error" role="alert">
          {missing.length === 1 ? 'One question is' : `${missing.length} questions are`} still unanswered.
        </p>
      )}
      <button type="submit" class="primary" disabled={props.busy}>
        {props.submitLabel}
      </button>
      {instrument.citation && <p class="source">Source: {instrument.citation}</p>}
    </form>
  );
}
