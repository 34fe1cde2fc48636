/** What other features may use of payments (generated from their imports; keep it to that). */
export { PaymentInvoices } from "./PaymentInvoices.js"
export { PaymentMethods } from "./PaymentMethods.js"
export { fakeTokens } from "./FakePaymentProvider.js"
export type { ChargeOutcome, ChargeRequest, RefundOutcome } from "./PaymentProvider.js"
export { Payments } from "./Payments.js"
export type { MoneyIntent } from "./Payments.js"
export { PaymentMethodsGroup } from "./http/PaymentMethodsApi.js"
export { PaymentsGroup } from "./http/PaymentsApi.js"
