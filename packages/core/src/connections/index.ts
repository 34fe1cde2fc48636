/** What other features may use of connections. */
export { Connections, EncryptionKeyRequired } from "./Connections.js"
export { KeyRejected, ProviderAccounts, type ProviderAccount, type ProviderAccountsService } from "./ProviderAccounts.js"
export { ConnectionsGroup } from "./http/ConnectionsApi.js"
