/**
 * Names for the ids a list shows (a customer's name, a plan's name), read through the API with
 * the same key. A key that may not read customers or plans gets the ids, as before.
 */
import { html } from "hono/html"
import type { BillkitClient } from "./BillkitClient.js"
import { base } from "./Layout.js"

export interface Names {
  readonly customer: (id: string) => string | undefined
  readonly plan: (id: string) => string | undefined
}

export const noNames: Names = { customer: () => undefined, plan: () => undefined }

const ids = (rows: ReadonlyArray<any>, field: string): ReadonlyArray<string> =>
  [...new Set(rows.map((row) => row?.[field]).filter((id): id is string => typeof id === "string"))]

export const loadNames = async (client: BillkitClient, rows: ReadonlyArray<any>): Promise<Names> => {
  const customerIds = ids(rows, "customer")
  const customers = new Map<string, string>()
  await Promise.all(
    customerIds.map(async (id) => {
      const answer = await client.get(`/v1/customers/${encodeURIComponent(id)}`)
      if (answer.status === 200) customers.set(id, answer.body.name ?? answer.body.email ?? id)
    })
  )
  const plans = new Map<string, string>()
  if (ids(rows, "plan").length > 0) {
    const list = await client.listAll("/v1/plans", {}, 1000)
    for (const plan of list.data) plans.set(plan.id, plan.name ?? plan.code_name ?? plan.id)
  }
  return { customer: (id) => customers.get(id), plan: (id) => plans.get(id) }
}

export const customerLink = (names: Names, id: string | null | undefined) =>
  id === null || id === undefined ? "—" : html`<a href="${base}/customers/${id}">${names.customer(id) ?? id}</a>`
