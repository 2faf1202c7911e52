// Scenarios on the foundation API: sign-in, sharing (consent) and its effect on the clinician's
// panel, TOTP sign-in for clinicians, axe on the patient and clinician screens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EMAILS, go, newBrowser, shot, signIn, startServer, totpCode } from '../lib/harness.mjs';
import { assertAccessible } from '../lib/axe.mjs';

describe('foundation', () => {
  let server;
  before(async () => {
    server = await startServer({ patients: 4, days: 7 });
  });
  after(async () => {
    await server?.stop();
  });

  test('consent revoked: the patient disappears from the clinician panel at once', async () => {
    const patient = await newBrowser();
    const clinician = await newBrowser({ width: 1280, height: 900 });
    try {
      await signIn(clinician.page, server, EMAILS.clinicianOdd);
      const panel = clinician.page.getByTestId('panel');
      await panel.getByRole('link', { name: 'Demo patient 1', exact: true }).waitFor();
      await assertAccessible(clinician.page, 'clinician panel');
      await shot(clinician.page, 'clinician-panel');

      await signIn(patient.page, server, EMAILS.patient(1));
      await patient.page.getByRole('link', { name: 'Sharing' }).click();
      await patient.page.getByRole('heading', { name: 'Sharing', level: 1 }).waitFor();
      await patient.page.getByText(EMAILS.clinicianOdd).first().waitFor();
      await assertAccessible(patient.page, 'patient sharing');
      await shot(patient.page, 'patient-sharing');
      await patient.page.getByRole('button', { name: `Stop sharing with ${EMAILS.clinicianOdd}` }).click();
      await patient.page.getByRole('button', { name: 'Yes, stop sharing' }).click();
      await patient.page.getByText(`${EMAILS.clinicianOdd} can no longer see your record.`).waitFor();

      // The clinician's next look at the panel no longer lists the patient.
      await go(clinician.page, '/settings/security');
      await go(clinician.page, '/c');
      await clinician.page.locator('[data-testid=panel] tbody th', { hasText: 'Demo patient 3' }).first().waitFor();
      const names = await clinician.page.locator('[data-testid=panel] tbody th').allTextContents();
      assert.ok(!names.includes('Demo patient 1'), `panel still lists patient 1: ${names}`);
      assert.ok(names.includes('Demo patient 3'), `panel lost patient 3: ${names}`);

      // And the patient can share again.
      await patient.page.getByLabel('Who').selectOption({ label: `${EMAILS.clinicianOdd} (clinician)` });
      await patient.page.getByRole('button', { name: 'Share', exact: true }).click();
      await patient.page.getByText(`You now share your record with ${EMAILS.clinicianOdd}`).waitFor();
      await go(clinician.page, '/p-none');
      await go(clinician.page, '/c');
      await clinician.page.locator('[data-testid=panel] tbody th', { hasText: 'Demo patient 1' }).first().waitFor();
      assert.deepEqual(patient.cspErrors, []);
      assert.deepEqual(clinician.cspErrors, []);
    } finally {
      await patient.close();
      await clinician.close();
    }
  });

  test('patient screens render at 360 px and pass axe', async () => {
    const b = await newBrowser({ width: 360, height: 740 });
    try {
      await b.page.goto(server.url + '/');
      await b.page.getByRole('heading', { name: 'Sign in to mitra' }).waitFor();
      await assertAccessible(b.page, 'sign-in');
      await shot(b.page, 'sign-in');
      await signIn(b.page, server, EMAILS.patient(2));
      for (const [link, heading, name] of [
        ['Today', 'Today', 'patient-today'],
        ['Log dose', 'Log a dose', 'patient-log-dose'],
        ['Check-in', 'Check-in', 'patient-check-in'],
        ['Progress', 'Your progress', 'patient-progress'],
        ['Alerts', 'Messages from your safety checks', 'patient-alerts'],
        ['Legal', 'Legal status', 'patient-legal'],
      ]) {
        await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
        await b.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        await b.page.waitForLoadState('networkidle');
        const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${name} scrolls sideways at 360 px by ${overflow} px`);
        await assertAccessible(b.page, name);
        await shot(b.page, name);
      }
      assert.deepEqual(b.cspErrors, []);
    } finally {
      await b.close();
    }
  });

  test('clinician TOTP: enrol, then sign in with a one-time code', async () => {
    const b = await newBrowser({ width: 1280, height: 900 });
    try {
      await signIn(b.page, server, EMAILS.clinicianEven);
      await go(b.page, '/settings/security');
      await b.page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
      const secret = (await b.page.getByTestId('totp-secret').textContent()).trim();
      await assertAccessible(b.page, 'security');
      await shot(b.page, 'clinician-totp-enrol');
      await b.page.getByLabel('Code from the app').fill(totpCode(secret));
      await b.page.getByRole('button', { name: 'Turn on' }).click();
      await b.page.getByText('Two-step sign-in is on.').waitFor();
      await b.page.getByRole('button', { name: 'Sign out' }).click();
      await b.page.getByRole('heading', { name: 'Sign in to mitra' }).waitFor();

      await b.page.getByLabel('Email').fill(EMAILS.clinicianEven);
      await b.page.getByLabel('Password').fill(server.password);
      await b.page.getByRole('button', { name: 'Sign in' }).click();
      await b.page.getByLabel('One-time code').waitFor();
      await assertAccessible(b.page, 'sign-in with code');
      await b.page.getByLabel('One-time code').fill(totpCode(secret));
      await b.page.getByRole('button', { name: 'Sign in' }).click();
      await b.page.getByRole('heading', { name: 'Your patients', level: 1 }).waitFor();
    } finally {
      await b.close();
    }
  });
});
