/** A minimal SCIM HTTP client for benchmarks: fails loudly on any unexpected status. */
export function scimClient(baseUrl: string, token: string) {
  return async (method: string, path: string, body?: unknown, expected = [200, 201, 204]) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!expected.includes(res.status))
      throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
}

export type ScimClient = ReturnType<typeof scimClient>;
