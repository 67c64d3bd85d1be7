export { ConfigError } from "./config-error.js";
export { metricsPortSetting } from "./metrics-settings.js";
export {
  enumSetting,
  intSetting,
  optionalStringSetting,
  portSetting,
  readConfig,
  type Setting,
  stringSetting,
  urlSetting,
} from "./read-config.js";
export {
  type ActorRoleName,
  actorRoleNames,
  defaultServiceRoles,
  type ServiceCredentialEntry,
  type ServiceCredentials,
  serviceCredentialsSetting,
} from "./service-credentials.js";
export { grpcServiceSettings, processSettings } from "./service-settings.js";
