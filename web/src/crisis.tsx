// Crisis contacts, bundled at build time from the cited data file so they show at once, offline
// included, the moment a PHQ-9 item 9 answer above 0 is entered.
import { useEffect, useRef } from 'preact/hooks';
import data from '../../data/rules/crisis_resources.json';

interface Resource {
  id: string;
  name: string;
  contact: string;
  region: string;
  citation?: { text?: string; url?: string };
}

export const CRISIS_RESOURCES: Resource[] = (data as { crisis_resources: Resource[] }).crisis_resources;

export function CrisisResources(props: { focus?: boolean }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (props.focus) ref.current?.focus();
  }, []);
  return (
    <section class="crisis" role="alert" aria-labelledby="crisis-title" tabIndex={-1} ref={ref}>
      <h2 id="crisis-title">You don't have to face this alone</h2>
      <p>
        You said you have had thoughts that you would be better off dead or of hurting yourself. Please reach out
        now. If you might act on these thoughts, get help straight away:
      </p>
      <ul>
        {CRISIS_RESOURCES.map((r) => (
          <li key={r.id}>
            <strong>{r.name}</strong>
            {r.region !== 'any' ? ` (${r.region})` : ''}: {r.contact}
          </li>
        ))}
      </ul>
      <p>Your care team will also see this answer if you share your record with them.</p>
    </section>
  );
}
