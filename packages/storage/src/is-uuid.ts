const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a stored row (and must never reach a uuid cast). */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
