import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { actorHeaders, systemActor } from "@cosafe/rpc";
import { bodyParser } from "@koa/bodyparser";
import Router from "@koa/router";
import type { Context, Middleware } from "koa";
import type { CoreClients } from "../clients.js";
import type { ScimState } from "../scim-state.js";

/** Path of the OAuth 2.0 token endpoint, beside the SCIM routes (issue 16). */
export const tokenEndpointPath = "/scim/v2/oauth/token";

type OAuthErrorCode = "invalid_request" | "invalid_client" | "unsupported_grant_type";

/** RFC 6749 §5.2 error response; a refused client also gets a Basic challenge when it used Basic. */
function oauthError(ctx: Context, status: number, error: OAuthErrorCode, description: string, basic = false) {
  ctx.status = status;
  if (status === 401)
    ctx.set("WWW-Authenticate", basic ? 'Basic realm="cosafe-scim"' : 'Bearer realm="cosafe-scim"');
  ctx.set("Cache-Control", "no-store");
  ctx.set("Pragma", "no-cache");
  ctx.body = { error, error_description: description };
}

/** RFC 6749 §2.3.1 client_secret_basic: both parts are form-urlencoded before Base64. */
function basicCredentials(header: string): { id: string; secret: string } | "malformed" | undefined {
  const encoded = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!header) return undefined;
  if (!encoded) return "malformed";
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

const formParser = bodyParser({
  enableTypes: ["form"],
  formLimit: "16kb",
  onError: (error) => {
    throw error;
  },
}) as Middleware;

/**
 * POST {@link tokenEndpointPath}: the client-credentials grant (RFC 6749 §4.4). Client
 * authentication by HTTP Basic or by client_id/client_secret in the form body (§2.3.1, not
 * both); identity-core checks the secret's hash and issues a 1-hour access token, which the
 * SCIM routes then accept as a bearer token (R21: revoked within the 5-second cache TTL).
 * Secrets are never logged: the body is read here only.
 */
export function tokenEndpointRouter(deps: { core: CoreClients; serviceName: string }): Router<ScimState> {
  const router = new Router<ScimState>();
  const system = systemActor(deps.serviceName);
  router.all(tokenEndpointPath, async (ctx) => {
    if (ctx.method !== "POST") {
      ctx.set("Allow", "POST");
      return oauthError(ctx, 405, "invalid_request", "the token endpoint accepts POST only");
    }
    if (!ctx.is("application/x-www-form-urlencoded")) {
      return oauthError(ctx, 400, "invalid_request", "send an application/x-www-form-urlencoded body");
    }
    try {
      await formParser(ctx, async () => {});
    } catch {
      return oauthError(ctx, 400, "invalid_request", "the body is not a valid form");
    }
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (Object.values(form).some((v) => typeof v !== "string")) {
      return oauthError(ctx, 400, "invalid_request", "a parameter is repeated");
    }
    const param = (name: string) => (form[name] as string | undefined) || undefined;
    const grantType = param("grant_type");
    if (!grantType) return oauthError(ctx, 400, "invalid_request", "grant_type is missing");
    if (grantType !== "client_credentials") {
      return oauthError(
        ctx,
        400,
        "unsupported_grant_type",
        "only grant_type=client_credentials is supported",
      );
    }
    const basic = basicCredentials(ctx.get("authorization"));
    if (basic === "malformed") {
      return oauthError(ctx, 401, "invalid_client", "the Authorization header is not valid Basic", true);
    }
    const inBody = param("client_id") !== undefined || param("client_secret") !== undefined;
    if (basic && inBody) {
      return oauthError(ctx, 400, "invalid_request", "authenticate the client by one method only");
    }
    const clientId = basic?.id ?? param("client_id");
    const clientSecret = basic?.secret ?? param("client_secret");
    if (!clientId || !clientSecret) {
      return oauthError(ctx, 401, "invalid_client", "client authentication is missing", Boolean(basic));
    }
    try {
      const token = await deps.core.oauthClients.exchangeClientCredentials(
        { clientId, clientSecret },
        { headers: actorHeaders(system, ctx.state.requestId) },
      );
      const expiresMs = token.expireTime ? timestampMs(token.expireTime) : Date.now();
      ctx.set("Cache-Control", "no-store");
      ctx.set("Pragma", "no-cache");
      ctx.status = 200;
      ctx.body = {
        access_token: token.accessToken,
        token_type: "Bearer",
        expires_in: Math.max(0, Math.floor((expiresMs - Date.now()) / 1000)),
      };
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.Unauthenticated) {
        ctx.state.note.detail = "client credentials refused";
        return oauthError(ctx, 401, "invalid_client", "the client credentials are not valid", Boolean(basic));
      }
      throw error;
    }
  });
  return router;
}
