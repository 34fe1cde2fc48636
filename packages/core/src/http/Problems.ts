/**
 * RFC 9457 problem documents: every error the REST surface answers with. Each status has its own
 * class so the OpenAPI document shows, per endpoint, which problems it may answer.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"

export const FieldError = Schema.Struct({
  field: Schema.String.annotations({ description: "Path of the offending field, e.g. `address.country` or `prices[1]`." }),
  message: Schema.String
}).annotations({ identifier: "FieldError" })
export type FieldError = typeof FieldError.Type

const fields = {
  type: Schema.String.annotations({ description: "A URN naming the kind of problem, e.g. `urn:billkit:error:validation`." }),
  title: Schema.String,
  status: Schema.Int,
  detail: Schema.String,
  instance: Schema.optional(Schema.String),
  request_id: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(FieldError))
}

const problem = <A>(status: number, description: string): Schema.Annotations.Schema<A> => ({
  ...HttpApiSchema.annotations<A>({ status, description }),
  [HttpApiSchema.AnnotationEncoding]: { kind: "Json", contentType: "application/problem+json" }
})

export class BadRequest extends Schema.Class<BadRequest>("BadRequest")(fields, problem<BadRequest>(400, "Malformed request: bad JSON or a bad query value.")) {}
export class Unauthorized extends Schema.Class<Unauthorized>("Unauthorized")(fields, problem<Unauthorized>(401, "Missing or unknown API key.")) {}
export class Forbidden extends Schema.Class<Forbidden>("Forbidden")(fields, problem<Forbidden>(403, "The key's type or scopes do not allow this call.")) {}
export class NotFoundProblem extends Schema.Class<NotFoundProblem>("NotFound")(fields, problem<NotFoundProblem>(404, "No such record in this project and mode.")) {}
export class ConflictProblem extends Schema.Class<ConflictProblem>("Conflict")(fields, problem<ConflictProblem>(409, "Clashes with existing state, or an idempotent request still in flight.")) {}
export class PayloadTooLarge extends Schema.Class<PayloadTooLarge>("PayloadTooLarge")(fields, problem<PayloadTooLarge>(413, "The request body is larger than the server accepts (1 MiB unless configured).")) {}
export class ValidationProblem extends Schema.Class<ValidationProblem>("ValidationFailed")(fields, problem<ValidationProblem>(422, "The body failed validation; `errors` names each field.")) {}
export class ProviderUnavailable extends Schema.Class<ProviderUnavailable>("ProviderUnavailable")(fields, problem<ProviderUnavailable>(502, "A provider (Stripe) could not be reached or failed; nothing committed is lost: send the same request again.")) {}
export class RateLimited extends Schema.Class<RateLimited>("RateLimited")(fields, problem<RateLimited>(429, "Too many requests; see Retry-After.")) {}

export type Problem = BadRequest | Unauthorized | Forbidden | NotFoundProblem | ConflictProblem | PayloadTooLarge | ValidationProblem | RateLimited | ProviderUnavailable

const titles: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
  502: "Bad Gateway"
}
export const titleOf = (status: number) => titles[status] ?? "Error"

const ProblemFields = Schema.Struct(fields)

// Fields built here are valid by construction: skip the constructor's re-validation (hot on 401s).
const make = <C extends new (args: typeof ProblemFields.Type, disableValidation: boolean) => Problem>(
  Class: C, status: number, kind: string
) => (detail: string, errors?: ReadonlyArray<FieldError>) =>
  new Class({ type: `urn:billkit:error:${kind}`, title: titleOf(status), status, detail, ...(errors ? { errors } : {}) }, true) as InstanceType<C>

export const badRequest = make(BadRequest, 400, "bad_request")
export const unauthorized = make(Unauthorized, 401, "unauthorized")
export const forbidden = make(Forbidden, 403, "forbidden")
export const notFound = make(NotFoundProblem, 404, "not_found")
export const conflict = make(ConflictProblem, 409, "conflict")
export const payloadTooLarge = make(PayloadTooLarge, 413, "payload_too_large")
export const validation = make(ValidationProblem, 422, "validation")
export const rateLimited = make(RateLimited, 429, "rate_limited")
export const providerUnavailable = make(ProviderUnavailable, 502, "provider_unavailable")

/** Domain failures as problems: the one place where the domain meets HTTP statuses. */
export const fromDomain = (e: NotFound | Conflict | Invalid): NotFoundProblem | ConflictProblem | ValidationProblem => {
  switch (e._tag) {
    case "NotFound":
      return notFound(e.message)
    case "Conflict":
      return conflict(e.message, e.field ? [{ field: e.field, message: e.message }] : undefined)
    case "Invalid":
      return validation(`${e.field} ${e.message}`, [{ field: e.field, message: e.message }])
  }
}

export const isProblem = (u: unknown): u is Problem =>
  u instanceof BadRequest || u instanceof Unauthorized || u instanceof Forbidden || u instanceof NotFoundProblem ||
  u instanceof ConflictProblem || u instanceof PayloadTooLarge || u instanceof ValidationProblem || u instanceof RateLimited ||
  u instanceof ProviderUnavailable
