/**
 * The memberships a caller sees, as SQL over `m` (membership) joined with `u` (its user): SCIM
 * sees what R10 says, dormant rows included (R4); administrators see every active membership,
 * dormant ones on request.
 */
export function visibleMembershipSql(scope: { scimView: boolean; includeDormant: boolean }): string {
  if (scope.scimView) return "(m.source = 'SCIM' or u.managed_by = 'SCIM')";
  return scope.includeDormant ? "true" : "m.state = 'ACTIVE'";
}
