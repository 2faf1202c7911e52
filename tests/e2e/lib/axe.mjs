import assert from 'node:assert/strict';
import { AxeBuilder } from '@axe-core/playwright';

/** Runs axe on the page; fails on any serious or critical violation, naming them. */
export async function assertAccessible(page, name) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const detail = bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`).join('\n');
  assert.equal(bad.length, 0, `axe on ${name}:\n${detail}`);
  return result;
}
