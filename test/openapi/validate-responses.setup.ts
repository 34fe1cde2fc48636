/**
 * Vitest setup file: every response a Billkit handler gives during the suite is checked against
 * docs/openapi.json (status declared for the operation, required headers, body schema), so the
 * document cannot drift from behaviour. `billkit()` is wrapped once here, whichever test or helper
 * (`sendTo`, the framework adapters) calls it; a file whose responses broke the document fails in
 * its afterAll with each mismatch listed.
 *
 * BILLKIT_OPENAPI_RECORD=<file> also appends each checked exchange to that file (JSON lines), to
 * see which statuses the suite meets per operation.
 */
import { appendFileSync, readFileSync } from "node:fs"
import { afterAll, vi } from "vitest"
import { makeResponseValidator } from "./ResponseValidator.js"

// Responses are only collected while tests run and checked in afterAll, so compiling validators
// never counts against a test's timeout.
const state = vi.hoisted(() => ({ pending: [] as Array<Promise<void>>, checks: [] as Array<() => Array<string>> }))

vi.mock("@billkit/core", async (importOriginal) => {
  const core = await importOriginal<typeof import("@billkit/core")>()
  // Compiled validators are kept for the worker's next test files while the document is unchanged.
  const text = readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8")
  const cache = globalThis as { __billkitOpenApiValidator?: { text: string; validator: ReturnType<typeof makeResponseValidator> } }
  if (cache.__billkitOpenApiValidator?.text !== text) {
    cache.__billkitOpenApiValidator = { text, validator: makeResponseValidator(JSON.parse(text)) }
  }
  const validator = cache.__billkitOpenApiValidator.validator
  const record = process.env.BILLKIT_OPENAPI_RECORD
  const billkit: typeof core.billkit = (options) => {
    const app = core.billkit(options)
    const base = (options.basePath ?? "").replace(/\/+$/, "")
    const handler = async (request: Request): Promise<Response> => {
      const response = await app.handler(request)
      const method = request.method
      let path = new URL(request.url).pathname
      if (base !== "" && path.startsWith(base)) path = path.slice(base.length) || "/"
      const copy = response.clone()
      state.pending.push(copy.text().then((body) => {
        state.checks.push(() => {
          const verdict = validator.check({ method, path, status: response.status, headers: response.headers, body })
          if (record !== undefined && verdict.operation !== undefined) {
            appendFileSync(record, JSON.stringify({ operation: verdict.operation, status: response.status, problems: verdict.problems }) + "\n")
          }
          return [...verdict.problems]
        })
      }, () => undefined))
      return response
    }
    return Object.assign(Object.create(Object.getPrototypeOf(app)), app, { handler })
  }
  return { ...core, billkit }
})

afterAll(async () => {
  await Promise.all(state.pending)
  const problems = [...new Set(state.checks.flatMap((check) => check()))]
  state.pending.length = 0
  state.checks.length = 0
  if (problems.length > 0) {
    throw new Error(`Responses that docs/openapi.json does not describe (fix the server or the declaration, then \`pnpm openapi\`):\n${problems.join("\n")}`)
  }
}, 180_000)
