/** SCIM `meta` of a resource (RFC 7643 §3.1): absolute location and a weak ETag as version. */
export function resourceMeta(input: {
  resourceType: string;
  location: string;
  created: Date | undefined;
  lastModified: Date | undefined;
  etag: string;
}) {
  return {
    resourceType: input.resourceType,
    created: input.created?.toISOString(),
    lastModified: input.lastModified?.toISOString(),
    location: input.location,
    version: weakEtag(input.etag),
  };
}

export function weakEtag(etag: string): string {
  return `W/"${etag}"`;
}
