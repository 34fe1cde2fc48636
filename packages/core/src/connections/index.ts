/** What other features may use of connections. */
export { Connections, EncryptionKeyRequired } from "./Connections.js"
export {
  KeyRejected, ProviderAccounts, ProviderCallFailed, ProviderRateLimited, syncedTypes,
  type ProviderAccount, type ProviderAccountsService, type ProviderObject, type ProviderPage, type SyncedType
} from "./ProviderAccounts.js"
export { Syncs, type SyncRunOptions, type SyncRunReport } from "./Syncs.js"
export { ConnectionsGroup } from "./http/ConnectionsApi.js"
