/** What other features may use of checkout (generated from their imports; keep it to that). */
export { Checkout } from "./Checkout.js"
export { CheckoutGroup } from "./http/CheckoutApi.js"
export { checkoutPage } from "./http/CheckoutPage.js"
