/** What other features may use of portal (generated from their imports; keep it to that). */
export { Portal } from "./Portal.js"
export { PortalGroup } from "./http/PortalApi.js"
export { portalPage } from "./http/PortalPage.js"
