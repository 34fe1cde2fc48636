/** A billkit handler on memory storage with a bootstrap key, and a tiny JSON client for tests. */
import { billkit, makeMemoryStorage, type BillkitOptions } from "@billkit/core"

export const makeApp = async (options: Partial<BillkitOptions> = {}) => {
  const storage = options.storage ?? makeMemoryStorage()
  const app = billkit({ ...options, storage })
  const { apiKey } = await app.bootstrap()
  const key = apiKey!
  const base = `http://billkit.test${options.basePath ?? ""}`
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.handler(new Request(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    }))
    const text = await response.text()
    const json = text.length > 0 && /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined
    return { status: response.status, headers: response.headers, json, text }
  }
  return { app, key, storage, call }
}
