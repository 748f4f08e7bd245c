// Which image the Flink client runs from. The client holds the deployer's token, so it must not run
// code the deploy does not trust: in a preview the job image is built from the pull request, and PR code
// would run with the deployer's rights. By default the client runs from the official Flink image of the
// spec's Flink version, by digest; the job image only when the user opts in (`job`), or a local
// FLINK_HOME (--flink-home). Pure: the verb parses, submit carries it out.
import { JOB_IMAGE_CLIENT } from '../spec/deploySemantics.js';
export { clientImageProblem, JOB_IMAGE_CLIENT } from '../spec/deploySemantics.js';

/**
 * The official image per Flink version (Docker Hub's `flink`, the library image). A digest here pins
 * it; an entry without one is resolved to its digest by the Docker engine at pull time, and the client
 * still runs by that digest (the log says which). The digests could not be read from Docker Hub where
 * this table was written (no network): fill them in with `docker buildx imagetools inspect <image>`.
 */
export const OFFICIAL_CLIENT_IMAGES: Record<string, { image: string; digest?: string }> = {
  '1.19': { image: 'flink:1.19.3-scala_2.12-java17' },
  '1.20': { image: 'flink:1.20.3-scala_2.12-java17' },
  '2.0': { image: 'flink:2.0.1-scala_2.12-java17' },
  '2.1': { image: 'flink:2.1.1-scala_2.12-java17' },
  '2.2': { image: 'flink:2.2.0-scala_2.12-java17' },
};

export type ClientChoice =
  /** A trusted image: `image` is by digest, or (a default without a digest in the table) a tag to resolve. */
  | { from: 'image'; image: string; byDigest: boolean; source: string }
  /** The job image itself: only when the user says so. */
  | { from: 'job-image'; source: string }
  | { from: 'home'; dir: string };

/**
 * The client's origin: --flink-home, else --client-image (`flag`, with its label), else the spec's
 * deploy.clientImage (`spec`, with its label), else the official image of the Flink version. Values are
 * valid (see clientImageProblem) by the time they get here.
 */
export function chooseClient(input: {
  flinkVersion: string;
  flinkHome?: string;
  flag?: { value: string; label: string };
  spec?: { value: string; label: string };
}): ClientChoice {
  if (input.flinkHome !== undefined) return { from: 'home', dir: input.flinkHome };
  const given = input.flag ?? input.spec;
  if (given) {
    return given.value === JOB_IMAGE_CLIENT
      ? { from: 'job-image', source: given.label }
      : { from: 'image', image: given.value, byDigest: true, source: given.label };
  }
  const official = OFFICIAL_CLIENT_IMAGES[input.flinkVersion] ?? {
    image: `flink:${input.flinkVersion}-java17`,
  };
  const source = `the official image of Flink ${input.flinkVersion}`;
  return official.digest
    ? { from: 'image', image: `${official.image}@${official.digest}`, byDigest: true, source }
    : { from: 'image', image: official.image, byDigest: false, source };
}
