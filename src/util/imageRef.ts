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

export function parseImageRef(value: string): ImageRef | undefined {
  const m = REFERENCE.exec(value);
  if (!m?.groups) return undefined;
  const { repository, tag, digest } = m.groups;
  return { repository: repository!, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
