import { useState } from 'preact/hooks';
import { PageTitle } from '../ui';
import { PatientCharts } from './patient-charts';

export function ProgressPage(props: { pid: string }) {
  const [days, setDays] = useState(14);
  return (
    <>
      <PageTitle>Your progress</PageTitle>
      <div class="field inline">
        <label for="range">Show</label>
        <select id="range" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value={7}>last 7 days</option>
          <option value={14}>last 14 days</option>
          <option value={30}>last 30 days</option>
          <option value={90}>last 90 days</option>
        </select>
      </div>
      <PatientCharts pid={props.pid} days={days} />
    </>
  );
}
