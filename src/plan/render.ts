// The plan for people: Markdown that reads well in a terminal, a job summary and a PR comment.
import { stringify } from 'yaml';
import type { Plan } from './plan.js';

function fence(lang: string, body: string): string {
  return '```' + lang + '\n' + body.replace(/\n?$/, '\n') + '```\n';
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function renderPlanMarkdown(p: Plan): string {
  const imageNote = p.image.resolved
    ? p.image.byDigest
      ? ''
      : ' (a tag, not a digest)'
    : ' (the digest comes from the build)';
  const rows: [string, string][] = [
    ['Job', p.job],
    ['Environment', p.environment],
    ['Flink', p.flinkVersion],
    ['Cluster id', `\`${p.clusterId}\``],
    ['Namespace', `\`${p.namespace}\`${p.context ? ` (context \`${p.context}\`)` : ''}`],
    ['Image', `\`${p.image.ref}\`${imageNote}`],
    ['Base image', `\`${p.build.from}\`${p.build.pinned ? '' : ' (not pinned by digest)'}`],
    ['Upgrade mode', p.upgradeMode],
    [
      'Health gate',
      `${p.release.health.checkpoints} checkpoint(s) within ${p.release.health.window}, at most ${p.release.health.maxRestarts} restart(s), give up after ${p.release.health.timeout}; ${p.release.health.rollback ? 'rolls back when it fails' : 'no automatic rollback'}`,
    ],
    ['Config hash', `\`${p.configHash.slice(0, 19)}\``],
  ];
  const out: string[] = [];
  out.push(`## Flinkship plan: ${p.job} → ${p.environment}\n`);
  out.push('| | |\n|---|---|');
  for (const [k, v] of rows) out.push(`| ${k} | ${v} |`);
  out.push('');
  out.push('### Image build\n');
  out.push(fence('dockerfile', p.build.dockerfile));
  out.push('Build context (exactly these files):\n');
  for (const f of p.build.context) {
    const from = f.source
      ? ` ← \`${f.source}\``
      : f.maven
        ? ` ← Maven \`${f.maven.artifact}\`${f.maven.sha256 ? ` (sha256 \`${f.maven.sha256.slice(0, 12)}\`)` : ''}`
        : ' (generated)';
    out.push(`- \`${f.path}\`${from}`);
  }
  out.push('');
  if (p.sql) {
    out.push(
      `### SQL job (\`${p.sql.script}\`, \`${p.sql.digest.slice(0, 19)}\`): ${p.sql.statements.length} statements, every INSERT in one job\n`,
    );
    out.push(fence('sql', p.sql.statements.map((st) => `/* line ${st.line} */ ${st.text};`).join('\n')));
  }
  out.push(`### Flink configuration (\`${p.flinkConfiguration.file.name}\`)\n`);
  out.push(fence('yaml', p.flinkConfiguration.file.content));
  if (p.podTemplate) {
    out.push(`### Pod template (\`${p.podTemplate.path}\`)\n`);
    out.push(fence('yaml', p.podTemplate.content));
  }
  out.push('### Kubernetes objects (server-side apply, field manager `flinkship`)\n');
  out.push(fence('yaml', p.kubernetes.map((o) => stringify(o)).join('---\n')));
  out.push('### Flink client\n');
  const [verb, ...args] = p.client.argv;
  out.push(fence('sh', [`flink ${verb}`, ...args.map(shellQuote)].join(' \\\n  ')));
  return out.join('\n');
}
