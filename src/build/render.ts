// What a build produced, and how it is shown: a few lines for the terminal, a table for the job summary.

export interface BuildResult {
  repository: string;
  /** repository@sha256:... when pushed; repository:<first tag> when only loaded. */
  image: string;
  digest?: string;
  /** Full references, repository:tag. */
  tags: string[];
  imageId: string;
  pushed: boolean;
  from: string;
  pinned: boolean;
  entryClass: string;
  flinkVersion: string;
  labels: Record<string, string>;
  dockerfile: string;
  /** A SQL job: its script, and what Flink's check in the image found. */
  sql?: { script: string; digest: string; statements: number; inserts: number };
}

export function renderBuildText(r: BuildResult): string {
  const lines = [
    `image:    ${r.image}`,
    ...(r.digest ? [`digest:   ${r.digest}`] : []),
    `image id: ${r.imageId}`,
    `tags:     ${r.tags.join(', ')}`,
    `pushed:   ${r.pushed ? 'yes' : 'no (loaded into the engine only)'}`,
    `from:     ${r.from}${r.pinned ? '' : ' (not pinned by digest)'}`,
    `entry:    ${r.entryClass}`,
    ...(r.sql
      ? [
          `sql:      ${r.sql.script} (${r.sql.digest}): ${r.sql.statements} statements, ${r.sql.inserts} INSERT(s) in one job`,
        ]
      : []),
  ];
  return lines.join('\n') + '\n';
}

export function renderBuildSummary(r: BuildResult): string {
  const row = (k: string, v: string) => `| ${k} | ${v.replaceAll('|', '\\|')} |`;
  return [
    `### Flinkship build: ${r.labels['org.opencontainers.image.title'] ?? r.repository}`,
    '',
    '| | |',
    '|---|---|',
    row('Image', `\`${r.image}\``),
    row('Digest', r.digest ? `\`${r.digest}\`` : 'not pushed'),
    row('Tags', r.tags.map((t) => `\`${t}\``).join('<br>')),
    row('Image ID', `\`${r.imageId}\``),
    row('Base', `\`${r.from}\`${r.pinned ? '' : ' (not pinned by digest)'}`),
    row('Flink', r.flinkVersion),
    row('Entry class', `\`${r.entryClass}\``),
    ...(r.sql
      ? [
          row(
            'SQL',
            `\`${r.sql.script}\` (\`${r.sql.digest}\`): ${r.sql.statements} statements, ${r.sql.inserts} INSERT(s) in one job, checked by Flink ${r.flinkVersion}`,
          ),
        ]
      : []),
    '',
  ].join('\n');
}
