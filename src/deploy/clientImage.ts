// Which image the Flink client runs from. The client holds the deployer's token, so it must not run
// code the deploy does not trust: in a preview the job image is built from the pull request, and PR code
// would run with the deployer's rights. By default the client runs from the official Flink image of the
// spec's Flink version, by digest; the job image only when the user opts in (`job`), or a local
// FLINK_HOME (--flink-home). Pure: the verb parses, submit carries it out.
import { JOB_IMAGE_CLIENT } from '../spec/deploySemantics.js';
export { clientImageProblem, JOB_IMAGE_CLIENT } from '../spec/deploySemantics.js';

/**
 * The official image per Flink version (Docker Hub's library image `flink`), pinned by the digest of its
 * multi-platform index as Docker's own record of the official images lists it (docker-library/repo-info,
 * repos/flink/remote/<tag>.md). 1.19 and 2.0 are no longer listed there: their tags are resolved to a digest by
 * the Docker engine at pull time and the client runs by that digest (the log says which); pin them with
 * --client-image or deploy.clientImage.
 */
export const OFFICIAL_CLIENT_IMAGES: Record<string, { image: string; digest?: string }> = {
  '1.19': { image: 'flink:1.19.3-scala_2.12-java17' },
  '1.20': {
    image: 'flink:1.20.5-scala_2.12-java17',
    digest: 'sha256:a0fcd5400842d794f9a1b6292a148db1b3ca217bcf68741cc538e8bc9bc0b5ae',
  },
  '2.0': { image: 'flink:2.0.1-scala_2.12-java17' },
  '2.1': {
    image: 'flink:2.1.3-scala_2.12-java17',
    digest: 'sha256:cc557bbe316d804e83195717a41788dc1ddb9a965887bd0ab83d148480a7802d',
  },
  '2.2': {
    image: 'flink:2.2.1-scala_2.12-java17',
    digest: 'sha256:1934ab4b984d0873ef46825b1140377eed34475904aa077062497712d6e259f8',
  },
  '2.3': {
    image: 'flink:2.3.0-scala_2.12-java17',
    digest: 'sha256:53eb8f289313d1a03e6800d37bc2dd916bbb5341961543285bf933aa27e63e5e',
  },
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
