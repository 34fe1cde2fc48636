export * from "./Entitlement.js"
