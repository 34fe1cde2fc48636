/**
 * Conventions the OpenAPI document states once for every operation: the pipeline's headers, the
 * Idempotency-Key parameter on POST, and the one shape of a 400 (the builder's own decode error
 * never reaches a client: the pipeline renders it as a problem document).
 */
import type { OpenApi } from "@effect/platform"

type Spec = OpenApi.OpenAPISpec & { components: { headers?: Record<string, unknown> } }

const headers = {
  "Request-Id": { description: "Identifies the request; quote it when asking for help.", schema: { type: "string" } },
  "X-RateLimit-Limit": { description: "Requests allowed in the tightest rate-limit window.", schema: { type: "integer" } },
  "X-RateLimit-Remaining": { description: "Requests left in that window.", schema: { type: "integer" } },
  "X-RateLimit-Reset": { description: "Unix time (seconds) when that window resets.", schema: { type: "integer" } }
}

const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description: "Retries with the same key and body within 24 h replay the first response (with `Idempotent-Replayed: true`); another body is a 422, a retry while the first runs a 409.",
  schema: { type: "string", maxLength: 255 }
}

export const applyConventions = (spec: Record<string, any>): Record<string, any> => {
  const out = structuredClone(spec) as Spec
  out.components.headers = headers
  // Every operation takes a bearer key; saying so at the top lets readers try calls with one.
  out.security = [{ bearer: [] }]
  for (const methods of Object.values(out.paths)) {
    for (const [method, op] of Object.entries(methods) as Array<[string, OpenApi.OpenAPISpecOperation]>) {
      if (method === "post") (op.parameters as Array<unknown>).push(idempotencyKey)
      for (const [status, response] of Object.entries(op.responses) as Array<[string, Record<string, any>]>) {
        if (status === "400") {
          response.description = "Malformed request: bad JSON or a bad query value; `errors` names each field."
          response.content = { "application/problem+json": { schema: { $ref: "#/components/schemas/BadRequest" } } }
        }
        response.headers = Object.fromEntries(Object.keys(headers).map((h) => [h, { $ref: `#/components/headers/${h}` }]))
      }
    }
  }
  for (const unused of ["HttpApiDecodeError", "Issue", "PropertyKey"]) delete out.components.schemas[unused]
  return out
}
