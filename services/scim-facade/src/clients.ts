import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { Health } from "@cosafe/proto/health";
import { GroupService, OAuthClientService, ScimTokenService, UserService } from "@cosafe/proto/identity";

/** The identity-core services the facade calls. */
export interface CoreClients {
  users: Client<typeof UserService>;
  groups: Client<typeof GroupService>;
  tokens: Client<typeof ScimTokenService>;
  oauthClients: Client<typeof OAuthClientService>;
  health: Client<typeof Health>;
}

export function createCoreClients(transport: Transport): CoreClients {
  return {
    users: createClient(UserService, transport),
    groups: createClient(GroupService, transport),
    tokens: createClient(ScimTokenService, transport),
    oauthClients: createClient(OAuthClientService, transport),
    health: createClient(Health, transport),
  };
}
