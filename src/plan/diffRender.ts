// The plan diff for people: text for the terminal, Markdown for a pull request comment and the job
// summary (one section per environment, collapsed when nothing changed). Every value from the spec is
// HTML-escaped inside <code>: a pull request's spec must not be able to shape the comment around it.
import type { EnvironmentDiff, KeyChange } from './diff.js';

export interface PlanDiffResult {
  base: { ref: string; commit?: string; file: string };
  head: { file: string };
  environments: EnvironmentDiff[];
}

/** Marks the comment Flinkship writes, so that it is found and edited in place. */
export const DIFF_MARKER = '<!-- flinkship:plan-diff -->';

const html = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/`/g, '&#96;');
/** A value from the spec or the cluster inside <code>, HTML-escaped (— when there is none). */
export const htmlCode = (s: string | undefined) => (s === undefined ? '—' : `<code>${html(s)}</code>`);
const code = htmlCode;

function sections(d: EnvironmentDiff): [string, KeyChange[]][] {
  return [
    ['Settings', d.settings],
    ['Resources', d.resources],
    ['Flink configuration', d.configuration],
    ['Upgrade and health gate', d.release],
  ];
}

function headline(d: EnvironmentDiff): string {
  return d.status === 'unchanged'
    ? `${d.environment}: unchanged (${d.effect})`
    : `${d.environment}: ${d.status}, ${d.effect}`;
}

export function renderDiffText(r: PlanDiffResult): string {
  const out = [
    `plan diff ${r.base.ref}${r.base.commit ? ` (${r.base.commit.slice(0, 12)})` : ''} → working tree`,
  ];
  for (const d of r.environments) {
    out.push('', `${headline(d)}: ${d.why}`);
    for (const [title, list] of sections(d)) {
      for (const c of list) {
        const sign = c.from === undefined ? '+' : c.to === undefined ? '-' : '~';
        out.push(
          `  ${sign} ${title.toLowerCase()}: ${c.key}${c.from !== undefined ? ` ${c.from}` : ''}${c.from !== undefined && c.to !== undefined ? ' →' : ''}${c.to !== undefined ? ` ${c.to}` : ''}`,
        );
      }
    }
    for (const rule of d.rbac.added) out.push(`  + rbac: ${rule}`);
    for (const rule of d.rbac.removed) out.push(`  - rbac: ${rule}`);
    if (d.dockerfileChanged) out.push('  ~ image build: the Dockerfile changes');
    if (d.podTemplateChanged) out.push('  ~ pod template changes');
    for (const st of d.sql?.removed ?? []) out.push(`  - sql (line ${st.line}): ${st.text}`);
    for (const st of d.sql?.added ?? []) out.push(`  + sql (line ${st.line}): ${st.text}`);
    if (d.hiddenChange)
      out.push('  ~ a secret value or a file changes (the configuration hash differs; values are not shown)');
  }
  return `${out.join('\n')}\n`;
}

export function renderDiffMarkdown(r: PlanDiffResult): string {
  const changed = r.environments.filter((d) => d.status !== 'unchanged');
  const out = [
    DIFF_MARKER,
    `## Flinkship plan diff`,
    '',
    `Base: ${code(r.base.ref)}${r.base.commit ? ` at ${code(r.base.commit.slice(0, 12))}` : ''}. ${changed.length ? `${changed.length} of ${r.environments.length} environment(s) change.` : 'No environment changes but the image.'}`,
    '',
  ];
  for (const d of r.environments) {
    const open = d.status === 'unchanged' ? '' : ' open';
    out.push(`<details${open}><summary><b>${html(headline(d))}</b></summary>`, '', html(d.why), '');
    const rows: string[] = [];
    for (const [title, list] of sections(d)) {
      for (const c of list) rows.push(`| ${title} | ${code(c.key)} | ${code(c.from)} | ${code(c.to)} |`);
    }
    for (const rule of d.rbac.added) rows.push(`| RBAC rule | added | — | ${code(rule)} |`);
    for (const rule of d.rbac.removed) rows.push(`| RBAC rule | removed | ${code(rule)} | — |`);
    if (d.dockerfileChanged) rows.push('| Image build | Dockerfile | | changes |');
    if (d.podTemplateChanged) rows.push('| Pod template | | | changes |');
    if (d.hiddenChange) rows.push('| Secret values or files | | | change (not shown) |');
    if (rows.length) out.push('| What | Key | Base | This change |', '|---|---|---|---|', ...rows, '');
    const sql = [
      ...(d.sql?.removed ?? []).map((st) => `- ${st.text};  -- base, line ${st.line}`),
      ...(d.sql?.added ?? []).map((st) => `+ ${st.text};  -- line ${st.line}`),
    ];
    if (sql.length) out.push('SQL statements that change:', '', fenced('diff', sql.join('\n')), '');
    out.push('</details>', '');
  }
  return out.join('\n');
}

/** A fenced block whose fence is longer than any run of backticks inside (SQL quotes identifiers with them). */
function fenced(lang: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${body}\n${fence}`;
}
