/** What an identity provider's administrator reads while support has paused provisioning. */
export const scimPausedDetail =
  "SCIM provisioning for this tenant is paused by Cosafe support; nothing was changed. Retry later (the identity provider retries on its own) or contact Cosafe support.";
