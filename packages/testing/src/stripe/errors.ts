/**
 * Errors shaped like Stripe's: an HTTP status and `{ error: { type, code, message, param, … } }`,
 * which the SDK turns into `StripeCardError`, `StripeInvalidRequestError`, `StripeIdempotencyError`.
 */
export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error"

export interface StripeErrorBody {
  readonly type: StripeErrorType
  readonly message: string
  readonly code?: string
  readonly decline_code?: string
  readonly param?: string
  readonly doc_url?: string
  /** Card errors name the PaymentIntent / SetupIntent they left behind, as Stripe does. */
  readonly payment_intent?: unknown
  readonly setup_intent?: unknown
  readonly payment_method?: unknown
}

export class FakeStripeError extends Error {
  constructor(readonly status: number, readonly body: StripeErrorBody) {
    super(body.message)
  }
}

export const invalidRequest = (message: string, param?: string, code?: string): FakeStripeError =>
  new FakeStripeError(400, { type: "invalid_request_error", message, ...(param ? { param } : {}), ...(code ? { code } : {}) })

export const missingParam = (param: string): FakeStripeError =>
  invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing")

export const noSuch = (kind: string, id: string, param = "id"): FakeStripeError =>
  new FakeStripeError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    message: `No such ${kind}: '${id}'`,
    param,
    doc_url: "https://stripe.com/docs/error-codes/resource-missing"
  })

export const cardError = (
  code: string,
  declineCode: string | undefined,
  message: string,
  extra: Partial<StripeErrorBody> = {}
): FakeStripeError =>
  new FakeStripeError(402, {
    type: "card_error",
    code,
    message,
    ...(declineCode ? { decline_code: declineCode } : {}),
    doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`,
    ...extra
  })
