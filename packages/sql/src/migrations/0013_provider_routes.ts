/**
 * Inbound provider webhooks' routing: which tenant a provider reference (a connection, a Stripe
 * customer) belongs to, `ref` unique across tenants. The connections and provider customers
 * already stored get their routes here, so webhooks about them find their tenant by one lookup
 * too. Frozen like every migration: listed literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

interface Row {
  readonly id: string
  readonly project_id: string
  readonly mode: string
  readonly data: string
}

/** `conn_01J…` → `prt_01J…`: the route's id keeps its source's time and randomness. */
const routeId = (sourceId: string) => `prt_${sourceId.slice(sourceId.indexOf("_") + 1)}`

const up = async (db: Kysely<any>): Promise<void> => {
  await createRecordTable(db, { name: "provider_routes", indexed: ["ref"], unique: [], globallyUnique: ["ref"] })
  const routes: Array<Record<string, string>> = []
  const add = (row: Row, ref: string, createdAt: string) =>
    routes.push({
      id: routeId(row.id),
      project_id: row.project_id,
      mode: row.mode,
      ref,
      data: JSON.stringify({ id: routeId(row.id), object: "provider_route", ref, created_at: createdAt })
    })
  const connections: ReadonlyArray<Row> = await db.selectFrom("billkit_connections").select(["id", "project_id", "mode", "data"]).where("status", "=", "active").execute()
  for (const row of connections) add(row, `connection:${row.id}`, JSON.parse(row.data).created_at)
  const customers: ReadonlyArray<Row> = await db.selectFrom("billkit_provider_customers").select(["id", "project_id", "mode", "data"]).execute()
  for (const row of customers) {
    const data = JSON.parse(row.data)
    add(row, `${data.provider}:${data.provider_ref}`, data.created_at)
  }
  for (let i = 0; i < routes.length; i += 200) {
    await db.insertInto("billkit_provider_routes").values(routes.slice(i, i + 200)).onConflict((oc) => oc.doNothing()).execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema.dropTable("billkit_provider_routes").execute()
}

export const providerRoutes: Migration = { up, down }
