/** What every SCIM response declares (RFC 7644 §3.1). */
export const scimContentType = "application/scim+json; charset=utf-8";
