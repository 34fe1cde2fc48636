/**
 * Checks a response the server gave against the OpenAPI document: the operation (method + path
 * template) must declare the status, every header it marks required must be there and match its
 * schema, and a JSON body must match the declared schema. Each distinct schema is compiled once
 * (the problem documents once for all operations), so checking every response stays cheap.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js"
import addFormatsModule from "ajv-formats"

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (ajv: Ajv2020) => void

export interface Exchange {
  readonly method: string
  /** The path the API saw: the host's base path already removed. */
  readonly path: string
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

export interface Verdict {
  /** `method template`, or undefined when the document does not describe the route (pages, /docs, unknown paths). */
  readonly operation: string | undefined
  readonly problems: ReadonlyArray<string>
}

const DOC_ID = "billkit-openapi"

interface Route {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly literalSegments: number
  readonly op: any
}

export const makeResponseValidator = (document: any) => {
  // Refs in the document point into it (`#/components/...`); make them absolute so any compiled
  // fragment resolves them against the document registered under DOC_ID.
  const doc = JSON.parse(JSON.stringify(document).replaceAll('"#/components/', `"${DOC_ID}#/components/`))
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, inlineRefs: false })
  addFormats(ajv)
  ajv.addSchema({ $id: DOC_ID, components: doc.components })

  const routes: Array<Route> = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/\{[^/}]+\}/g, "[^/]+")}$`),
      literalSegments: template.split("/").filter((s) => s !== "" && !s.startsWith("{")).length,
      op
    }))
  )
  // `/v1/analytics/mrr/movements` before `/v1/analytics/mrr/{x}`-like templates: the most literal wins.
  routes.sort((a, b) => b.literalSegments - a.literalSegments)

  // Keyed by the schema itself: the problem documents and headers, shared by most operations, compile once.
  const compiled = new Map<string, ValidateFunction>()
  const compile = (schema: unknown) => {
    const key = JSON.stringify(schema)
    let validate = compiled.get(key)
    if (validate === undefined) {
      validate = ajv.compile(schema as object)
      compiled.set(key, validate)
    }
    return validate
  }
  const deref = (node: any): any =>
    node !== null && typeof node === "object" && typeof node.$ref === "string"
      ? deref(node.$ref.slice(`${DOC_ID}#/`.length).split("/").reduce((at: any, key: string) => at?.[key], doc))
      : node
  const describe = (v: ValidateFunction) => ajv.errorsText(v.errors, { dataVar: "body" })

  const check = (exchange: Exchange): Verdict => {
    const route = routes.find((r) => r.method === exchange.method && r.pattern.test(exchange.path))
    if (route === undefined) return { operation: undefined, problems: [] }
    const operation = `${route.method} ${route.template}`
    const where = `${operation} → ${exchange.status}`
    // A 500 is never part of the contract: it is reported by the tests that look for it.
    if (exchange.status >= 500) return { operation, problems: [] }
    const response = deref(route.op.responses?.[String(exchange.status)])
    if (response === undefined) {
      return { operation, problems: [`${where}: status not declared (declared: ${Object.keys(route.op.responses ?? {}).join(", ")})`] }
    }
    const problems: Array<string> = []
    for (const [name, declared] of Object.entries((response.headers ?? {}) as Record<string, any>)) {
      const header = deref(declared)
      const value = exchange.headers.get(name)
      if (value === null) {
        if (header.required === true) problems.push(`${where}: required header ${name} missing`)
        continue
      }
      const schema = header.schema ?? {}
      const typed = schema.type === "integer" || schema.type === "number" ? (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value) : value
      const validate = compile(schema)
      if (!validate(typed)) problems.push(`${where}: header ${name}: ${JSON.stringify(value)} ${describe(validate)}`)
    }
    const mediaType = (exchange.headers.get("content-type") ?? "").split(";")[0]!.trim()
    const content = response.content as Record<string, any> | undefined
    if (content === undefined) {
      if (exchange.body.length > 0) problems.push(`${where}: a body (${mediaType}) where the document declares none`)
      return { operation, problems }
    }
    const media = content[mediaType]
    if (media === undefined) {
      problems.push(`${where}: content type ${JSON.stringify(mediaType)} not declared (declared: ${Object.keys(content).join(", ")})`)
      return { operation, problems }
    }
    if (/json/.test(mediaType) && media.schema !== undefined) {
      let body: unknown
      try {
        body = JSON.parse(exchange.body)
      } catch {
        problems.push(`${where}: body is not JSON`)
        return { operation, problems }
      }
      const validate = compile(media.schema)
      if (!validate(body)) problems.push(`${where}: ${describe(validate)}`)
    }
    return { operation, problems }
  }
  return { check }
}
