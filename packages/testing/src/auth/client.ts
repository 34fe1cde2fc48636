/**
 * Two projects on the storage under test, each with a secret test key and a secret live key, and a
 * small client that sends any request with any key. Rate limits are lifted so that sweeping every
 * operation with one key never meets a 429.
 */
import { billkit, type Billkit, type BillkitOptions, type StoragePort } from "@billkit/core"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly json: any
}

export interface Tenants {
  readonly app: Billkit
  /** Project A: its id, secret test key and secret live key. */
  readonly a: { readonly projectId: string; readonly test: string; readonly live: string }
  /** Project B's secret test key. */
  readonly b: { readonly projectId: string; readonly test: string }
  readonly send: (key: string | undefined, method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>
  /** Sends with `key` and insists on a 2xx answer, returning its body. */
  readonly ok: (key: string, method: string, path: string, body?: unknown) => Promise<any>
}

/** A client of `app`'s handler: any request, with any key (or none), JSON in and out. */
export const sendTo = (app: Pick<Billkit, "handler">, base = "http://billkit.test") =>
  async (key: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await app.handler(new Request(`${base}${path}`, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    }))
    const text = await response.text()
    const json = text.length > 0 && /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined
    return { status: response.status, headers: response.headers, text, json }
  }

export const makeTenants = async (storage: StoragePort, options: Partial<BillkitOptions> = {}): Promise<Tenants> => {
  const app = billkit({ defaultRateLimits: [{ window: "second", max: 1_000_000 }], ...options, storage })
  const a = await app.createProject("Project A")
  const b = await app.createProject("Project B")
  const send = sendTo(app)
  const ok = async (key: string, method: string, path: string, body?: unknown) => {
    const reply = await send(key, method, path, body)
    if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status}: ${reply.text}`)
    return reply.json
  }
  return {
    app,
    a: { projectId: a.projectId, test: a.testKey, live: a.liveKey },
    b: { projectId: b.projectId, test: b.testKey },
    send,
    ok
  }
}

/** A key of project A's test mode, made by its secret test key; returns the secret and the record. */
export const makeKey = async (t: Tenants, body: Record<string, unknown>): Promise<{ readonly secret: string; readonly id: string }> => {
  const created = await t.ok(t.a.test, "POST", "/v1/api-keys", { name: "made by the suite", ...body })
  return { secret: created.secret, id: created.id }
}
