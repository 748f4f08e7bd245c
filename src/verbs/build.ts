// `flinkship build`: check the jar, build the job image through the Docker Engine API from exactly the
// files the plan lists, tag it from the git context, push it and report it by digest. This file is the
// verb's rendering; the work is the build operation (src/operations/build.ts), called with a typed request.
import { renderBuildSummary, renderBuildText, type BuildResult } from '../build/render.js';
import { BUILD_OPTIONS } from '../options/build.js';
import { originOf } from '../options/options.js';
import { build } from '../operations/build.js';
import { defineVerb } from './verb.js';

export type { BuildResult } from '../build/render.js';
export { BUILD_OPTIONS };

export const buildVerb = defineVerb({
  name: 'build',
  options: BUILD_OPTIONS,
  run: (options, ui): Promise<BuildResult> => build({ ...options, origin: originOf(options) }, ui),
  text: (r) => renderBuildText(r),
  json: (r) => r,
  outputs: (r) => ({
    image: r.image,
    digest: r.digest ?? '',
    tags: r.tags.join('\n'),
    'image-id': r.imageId,
    'sql-digest': r.sql?.digest ?? '',
  }),
  summary: (r) => renderBuildSummary(r),
});
