/**
 * What the OpenAPI document states from the pipeline (Pipeline.ts) rather than from each endpoint,
 * applied once to the generated document: the response headers every answer carries, the
 * Idempotency-Key parameter on POST, which problem statuses each operation can answer, and the
 * one shape of a 400 (the builder's own decode error never reaches a client: the pipeline renders
 * it as a problem document). HttpApi has no annotation for response headers, for a request body
 * that may be left out, or for errors declared once on the API but answered only by some
 * operations (the handlers' types need them declared once), so these are stated here.
 * docs/conventions.md ("The OpenAPI document") says each rule; test/openapi checks every response of the suite against it.
 */
import type { OpenApi } from "@effect/platform"

type Spec = OpenApi.OpenAPISpec & { components: { headers?: Record<string, unknown> } }

const headers = {
  "Request-Id": {
    description: "Identifies the request; quote it when asking for help.",
    required: true,
    schema: { type: "string" }
  },
  "X-RateLimit-Limit": {
    description: "Requests allowed in the tightest rate-limit window (for a 401, the default limits' window, which it does not count against).",
    required: true,
    schema: { type: "integer", minimum: 1 }
  },
  "X-RateLimit-Remaining": { description: "Requests left in that window.", required: true, schema: { type: "integer", minimum: 0 } },
  "X-RateLimit-Reset": { description: "Unix time (seconds) when that window resets.", required: true, schema: { type: "integer", minimum: 0 } },
  "Retry-After": { description: "Seconds to wait before the window that was exceeded resets.", required: true, schema: { type: "integer", minimum: 1 } },
  "WWW-Authenticate": {
    description: "The scheme to authenticate with: `Bearer realm=\"billkit\"`.",
    required: true,
    schema: { type: "string", pattern: "^Bearer " }
  },
  "Idempotent-Replayed": {
    description: "`true` when this is the stored response of an earlier request with the same Idempotency-Key and body.",
    required: false,
    schema: { type: "string", enum: ["true"] }
  }
} as const

const ref = (name: keyof typeof headers) => ({ $ref: `#/components/headers/${name}` })

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Retries with the same key and body within 24 h replay the first response (with `Idempotent-Replayed: true`); another body is a 422, a retry while the first runs a 409.",
  schema: { type: "string", maxLength: 255 }
}

/**
 * Operations that answer 404 or 409 although the general rules below would not say so: a GET
 * whose filter or body names a record, or a non-POST write that can clash with existing state.
 */
const alsoNotFound: ReadonlySet<string> = new Set([
  // Live mode has no test clock.
  "testClock.retrieve",
  "testClock.advance",
  // The body names the customer the code is for.
  "referrals.createCode"
])
const alsoConflict: ReadonlySet<string> = new Set([
  // A unique field (email, code, code_name) taken by another record, or a metric already in use.
  "customers.update",
  "features.update",
  "plans.update",
  "metrics.update",
  // A usage charge past what one invoice line may carry (docs/conventions.md, "Bounds").
  "usage.costs",
  "subscriptions.upcomingInvoice",
  // The report has not succeeded (yet).
  "reports.file"
])

/**
 * Reads that check their query against the data (an analytics range with `from` after `to`, or too
 * many intervals; a list's `from` after its `to`, http/Lists.ts `checkRange`).
 */
const alsoInvalid: ReadonlySet<string> = new Set([
  "invoices.list",
  "payments.list",
  "payments.listForCustomer",
  "payments.listRefunds",
  "payments.listRefundsForCustomer",
  "analytics.mrr",
  "analytics.arr",
  "analytics.movements",
  "analytics.churn",
  "analytics.customers",
  "analytics.revenue"
])

const bodyMethods = new Set(["post", "put", "patch"])

const listDescription = "A page in ascending id order: `limit` (1–100, default 50), then `starting_after` or `ending_before` " +
  "(an id) to go on; `include_total=true` adds `total`."
const retrieveDescription = "404 when no such record exists in the key's project and mode (another project's records answer the same)."

/**
 * Which statuses an operation can answer, besides its successes:
 * - 400 everywhere: any query value is checked (a NUL is a 400, HostileInput.ts), and so is a body
 *   (bad JSON, nesting past 64) or, for the provider webhooks, its signature;
 * - 401, 403 and 429 wherever an API key is needed (all but the provider webhooks);
 * - 404 where the path names a record (`{id}`), or listed in `alsoNotFound`;
 * - 409 on every keyed POST (an Idempotency-Key whose first request still runs), or listed in `alsoConflict`;
 * - 413 wherever a request carries a body (the size limit holds for the provider webhooks too);
 *   422 wherever a keyed one does (NUL in a string, validation);
 *   422 also on the reads listed in `alsoInvalid`.
 */
const answers = (method: string, path: string, op: OpenApi.OpenAPISpecOperation, keyed: boolean): Set<string> => {
  const id = op.operationId
  const hasBody = bodyMethods.has(method)
  const out = new Set<string>(["400"])
  if (keyed) ["401", "403", "429"].forEach((s) => out.add(s))
  if (path.includes("{") || alsoNotFound.has(id)) out.add("404")
  if ((keyed && method === "post") || alsoConflict.has(id)) out.add("409")
  if (hasBody) out.add("413")
  if (keyed && hasBody) out.add("422")
  if (alsoInvalid.has(id)) out.add("422")
  return out
}

export const applyConventions = (spec: Record<string, any>): Record<string, any> => {
  const out = structuredClone(spec) as Spec
  out.components.headers = headers
  // Every operation takes a bearer key; saying so at the top lets readers try calls with one.
  out.security = [{ bearer: [] }]
  const schemas = out.components.schemas as Record<string, any>
  const deref = (schema: any): any => (typeof schema?.$ref === "string" ? deref(schemas[schema.$ref.split("/").pop()]) : schema)

  for (const [path, methods] of Object.entries(out.paths)) {
    for (const [method, op] of Object.entries(methods) as Array<[string, OpenApi.OpenAPISpecOperation]>) {
      const keyed = op.security.length > 0
      if (method === "post" && keyed) (op.parameters as Array<unknown>).push(idempotencyKey)

      // An empty body is read as `{}` (Pipeline.ts), so a body whose every field is optional may be left out.
      const body = op.requestBody?.content["application/json"]?.schema
      const shape = body === undefined ? undefined : deref(body)
      if (op.requestBody !== undefined && shape?.type === "object" && (shape.required ?? []).length === 0) {
        // The generator types it as always true; the pipeline says otherwise.
        ;(op.requestBody as { required: boolean }).required = false
      }

      if (op.description === undefined) {
        if ((op.parameters as Array<{ name: string }>).some((p) => p.name === "limit")) op.description = listDescription
        else if (method === "get" && path.includes("{")) op.description = retrieveDescription
      }

      const answered = answers(method, path, op, keyed)
      for (const [status, response] of Object.entries(op.responses) as Array<[string, Record<string, any>]>) {
        if (Number(status) >= 400 && !answered.has(status)) {
          delete op.responses[status as unknown as number]
          continue
        }
        if (status === "400") {
          response.description = "Malformed request: bad JSON or a bad query value; `errors` names each field."
          response.content = { "application/problem+json": { schema: { $ref: "#/components/schemas/BadRequest" } } }
        }
        response.headers = {
          "Request-Id": ref("Request-Id"),
          ...(keyed
            ? { "X-RateLimit-Limit": ref("X-RateLimit-Limit"), "X-RateLimit-Remaining": ref("X-RateLimit-Remaining"), "X-RateLimit-Reset": ref("X-RateLimit-Reset") }
            : {}),
          ...(status === "401" ? { "WWW-Authenticate": ref("WWW-Authenticate") } : {}),
          ...(status === "429" ? { "Retry-After": ref("Retry-After") } : {}),
          // What a replay may be: a stored result, never a 401, 403 or 429 (Idempotency.ts).
          ...(keyed && method === "post" && !["401", "403", "429"].includes(status) ? { "Idempotent-Replayed": ref("Idempotent-Replayed") } : {})
        }
      }
    }
  }
  for (const unused of ["HttpApiDecodeError", "Issue", "PropertyKey"]) delete out.components.schemas[unused]
  return out
}
