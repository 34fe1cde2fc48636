/** What other features may use of connections' domain. */
export { Connection, ConnectionProvider } from "./Connection.js"
