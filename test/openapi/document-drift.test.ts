/**
 * The response check (validate-responses.setup.ts) catches a document that drifts from the
 * server: real responses pass against docs/openapi.json, and each kind of drift in a copy of it
 * (a status, a body field, a header) is reported.
 */
import { readFileSync } from "node:fs"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { sendTo, type Reply } from "@billkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeResponseValidator, type Exchange } from "./ResponseValidator.js"

const committed = JSON.parse(readFileSync(new URL("../../docs/openapi.json", import.meta.url), "utf8"))
const app = billkit({ storage: makeMemoryStorage() })
const send = sendTo(app)
let key: string
const exchanges: Record<string, Exchange> = {}
const exchange = (method: string, path: string, reply: Reply): Exchange => ({ method, path, status: reply.status, headers: reply.headers, body: reply.text })

beforeAll(async () => {
  key = (await app.bootstrap()).apiKey!
  exchanges.created = exchange("POST", "/v1/customers", await send(key, "POST", "/v1/customers", { email: "ada@example.com" }))
  exchanges.missing = exchange("GET", "/v1/customers/cus_x", await send(key, "GET", "/v1/customers/cus_01J0000000000000000000000"))
  exchanges.anonymous = exchange("GET", "/v1/customers", await send(undefined, "GET", "/v1/customers"))
  exchanges.list = exchange("GET", "/v1/customers", await send(key, "GET", "/v1/customers?limit=5"))
})
afterAll(() => app.dispose())

const problemsWith = (document: unknown, which: keyof typeof exchanges & string) =>
  makeResponseValidator(document).check(exchanges[which]!).problems

describe("checking responses against docs/openapi.json", () => {
  it("passes the server's real answers, 401 included", () => {
    expect(exchanges.created!.status).toBe(201)
    expect(exchanges.missing!.status).toBe(404)
    expect(exchanges.anonymous!.status).toBe(401)
    for (const which of Object.keys(exchanges)) expect(problemsWith(committed, which), which).toEqual([])
  })

  it("reports a status the operation does not declare", () => {
    const drifted = structuredClone(committed)
    delete drifted.paths["/v1/customers"].post.responses["201"]
    expect(problemsWith(drifted, "created")).toEqual([expect.stringContaining("POST /v1/customers → 201: status not declared")])
  })

  it("reports a body that no longer matches its schema", () => {
    const drifted = structuredClone(committed)
    drifted.paths["/v1/customers"].post.responses["201"].content["application/json"].schema.properties.email = { type: "integer" }
    expect(problemsWith(drifted, "created")).toEqual([expect.stringContaining("body/email must be integer")])
    const list = structuredClone(committed)
    list.components.schemas.CustomerList.required.push("total")
    expect(problemsWith(list, "list")).toEqual([expect.stringContaining("must have required property 'total'")])
  })

  it("reports a required header that is missing, or one whose value breaks its schema", () => {
    const missing = structuredClone(committed)
    missing.paths["/v1/customers/{id}"].get.responses["404"].headers["X-Not-Sent"] = { required: true, schema: { type: "string" } }
    expect(problemsWith(missing, "missing")).toEqual([expect.stringContaining("required header X-Not-Sent missing")])
    const wrong = structuredClone(committed)
    wrong.components.headers["WWW-Authenticate"].schema.pattern = "^Basic "
    expect(problemsWith(wrong, "anonymous")).toEqual([expect.stringContaining("header WWW-Authenticate")])
  })

  it("says nothing about routes the document does not describe", () => {
    const verdict = makeResponseValidator(committed).check({ method: "GET", path: "/docs", status: 200, headers: new Headers(), body: "<html>" })
    expect(verdict).toEqual({ operation: undefined, problems: [] })
  })
})
