// OCI image references: repository[:tag][@sha256:digest].

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = `(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)`;
const REFERENCE = new RegExp(
  `^(?<repository>${DOMAIN}?${COMPONENT}(?:/${COMPONENT})*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$`,
);

export const IMAGE_REF_HINT =
  'an image reference such as registry.example.com/team/job@sha256:<64 hex digits>';

/** What --base-image and image.base take. */
export const BASE_IMAGE_HINT = 'an image reference such as flink:1.20.3-java17 or repo@sha256:<64 hex>';

/** Longer than any valid reference (a 255-character name, a 128-character tag and a digest). */
const MAX_REFERENCE_LENGTH = 512;

export function parseImageRef(value: string): ImageRef | undefined {
  // The length first: the pattern backtracks, and a reference is never this long.
  if (value.length > MAX_REFERENCE_LENGTH) return undefined;
  const m = REFERENCE.exec(value);
  if (!m?.groups) return undefined;
  const { repository, tag, digest } = m.groups;
  return { repository: repository!, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
