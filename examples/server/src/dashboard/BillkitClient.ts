/**
 * The dashboard's only way into Billkit: the REST handler, called in-process with the signed-in
 * key. So the key's scopes, mode and project apply to every page exactly as they do over HTTP,
 * and the dashboard never reads the database behind Billkit's back.
 */
import type { Billkit } from "@billkit/core"

export interface ApiAnswer<T = any> {
  readonly status: number
  readonly body: T
}

export interface ListPage<T = any> {
  readonly data: ReadonlyArray<T>
  readonly has_more: boolean
  readonly next_cursor?: string | null
}

export type Query = Readonly<Record<string, string | number | undefined>>

// Never sent over a network: the handler only reads the path and query of this URL.
const internalOrigin = "http://dashboard.internal"

export interface BillkitClient {
  readonly get: <T = any>(path: string, query?: Query) => Promise<ApiAnswer<T>>
  readonly post: <T = any>(path: string, body?: unknown) => Promise<ApiAnswer<T>>
  /** The handler's own response (a PDF, say), unread. */
  readonly raw: (path: string) => Promise<Response>
  /** Every page of a list, at most `max` records (a dashboard page must stay quick). */
  readonly listAll: <T = any>(path: string, query?: Query, max?: number) => Promise<{ readonly data: ReadonlyArray<T>; readonly complete: boolean; readonly status: number }>
}

const urlOf = (path: string, query: Query = {}) => {
  const url = new URL(path, internalOrigin)
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") url.searchParams.set(name, String(value))
  }
  return url
}

const answer = async (response: Response): Promise<ApiAnswer> => {
  const type = response.headers.get("content-type") ?? ""
  return { status: response.status, body: type.includes("json") ? await response.json() : await response.text() }
}

export const makeBillkitClient = (billing: Pick<Billkit, "handler">, apiKey: string): BillkitClient => {
  const authorization = `Bearer ${apiKey}`
  const get = async (path: string, query?: Query) =>
    answer(await billing.handler(new Request(urlOf(path, query), { headers: { authorization } })))
  const post = async (path: string, body: unknown = {}) =>
    answer(
      await billing.handler(
        new Request(urlOf(path), {
          method: "POST",
          headers: { authorization, "content-type": "application/json" },
          body: JSON.stringify(body)
        })
      )
    )
  const listAll = async (path: string, query: Query = {}, max = 1000) => {
    const data: Array<any> = []
    let cursor: string | undefined
    for (;;) {
      const page = await get(path, { ...query, limit: 100, starting_after: cursor })
      if (page.status !== 200) return { data, complete: false, status: page.status }
      data.push(...page.body.data)
      if (!page.body.has_more) return { data, complete: true, status: 200 }
      if (data.length >= max) return { data, complete: false, status: 200 }
      cursor = page.body.next_cursor ?? page.body.data.at(-1)?.id
    }
  }
  const raw = (path: string) => billing.handler(new Request(urlOf(path), { headers: { authorization } }))
  return { get, post, raw, listAll }
}

/** Whether this Billkit serves an operation: the dashboard shows a page only for what exists. */
export const servesPath = (billing: Pick<Billkit, "openApi">, path: string): boolean =>
  Object.hasOwn(billing.openApi().paths, path)

/** The event types this Billkit declares, so the filter offers exactly the ones it accepts. */
export const eventTypes = (billing: Pick<Billkit, "openApi">): ReadonlyArray<string> => {
  const schema = (billing.openApi().components?.schemas as Record<string, { enum?: ReadonlyArray<unknown> }> | undefined)?.EventType
  return (schema?.enum ?? []).filter((type): type is string => typeof type === "string")
}
