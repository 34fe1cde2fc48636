/**
 * Migration behaviour both dialects share; each dialect's test file supplies fresh databases.
 * (Exported as `@billkit/testing/sql`: packages/sqlite and packages/postgres run it.)
 */
import { Collections } from "@billkit/core"
import { dialectOf, migrate, MigrationError, migrationLockTableName, migrations, migrationTableName } from "@billkit/sql"
import { Migrator, sql, type Kysely } from "kysely"
import { afterEach, describe, expect, it } from "vitest"

export interface Connection {
  readonly db: Kysely<any>
  readonly close: () => Promise<void>
}

export interface FreshDatabase {
  /** A new connection (its own pool, or its own SQLite handle) to the same database. */
  readonly connect: () => Promise<Connection>
  readonly drop: () => Promise<void>
}

const indexNames = async (db: Kysely<any>, table: string): Promise<Array<string>> => {
  const rows =
    dialectOf(db) === "sqlite"
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table}`.execute(db)).rows
      : (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table}`.execute(db)).rows
  return rows.map((r) => r.name).sort()
}

const schema = async (db: Kysely<any>) => {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true })
  return Promise.all(
    tables
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (t) => ({
        name: t.name,
        columns: t.columns.map((c) => `${c.name}:${c.dataType}:${c.isNullable}`).sort(),
        indexes: await indexNames(db, t.name)
      }))
  )
}

const executed = async (db: Kysely<any>, table = migrationTableName) =>
  (await db.selectFrom(table).select("name").orderBy("name").execute()).map((r) => r.name as string)

// A host application's own Kysely migrations, under Kysely's default bookkeeping tables.
const hostMigrator = (db: Kysely<any>) =>
  new Migrator({
    db,
    provider: {
      getMigrations: async () => ({
        "2024_01_host_widgets": {
          up: async (db: Kysely<any>) => {
            await db.schema.createTable("host_widgets").addColumn("id", "text", (c) => c.primaryKey()).execute()
          }
        }
      })
    }
  })

export const migrationSuite = (name: string, fresh: () => Promise<FreshDatabase>) =>
  describe(`migrations: ${name}`, () => {
    const cleanup: Array<() => Promise<void>> = []
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step()
    })
    const open = async (): Promise<FreshDatabase> => {
      const database = await fresh()
      cleanup.push(database.drop)
      return database
    }
    const connect = async (database: FreshDatabase): Promise<Kysely<any>> => {
      const connection = await database.connect()
      cleanup.push(connection.close)
      return connection.db
    }

    it("creates one billkit_ table per collection, with its indexed columns and unique indexes", async () => {
      const db = await connect(await open())
      await migrate(db)
      const tables = await db.introspection.getTables()
      expect(tables.map((t) => t.name).every((n) => n.startsWith("billkit_"))).toBe(true)
      for (const spec of Collections.all) {
        const table = tables.find((t) => t.name === `billkit_${spec.name}`)
        expect(table, spec.name).toBeDefined()
        expect(table!.columns.map((c) => c.name).sort()).toEqual(["data", "id", "mode", "project_id", ...spec.indexed].sort())
        const indexes = await indexNames(db, `billkit_${spec.name}`)
        for (const field of spec.unique) expect(indexes).toContain(`billkit_${spec.name}_${field}_key`)
        for (const field of spec.globallyUnique ?? []) expect(indexes).toContain(`billkit_${spec.name}_${field}_gkey`)
        for (const field of spec.indexed) {
          expect(indexes.some((i) => i.startsWith(`billkit_${spec.name}_${field}_`)), `${spec.name}.${field}`).toBe(true)
        }
      }
      for (const table of ["billkit_projects", "billkit_idempotency_keys", "billkit_rate_limits", "billkit_migration", "billkit_migration_lock"]) {
        expect(tables.map((t) => t.name)).toContain(table)
      }
    })

    it("0004 gives invoices, payments, refunds and events a created_at column filled from their JSON", async () => {
      const db = await connect(await open())
      const upTo = (name: string) =>
        new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) }, migrationTableName, migrationLockTableName }).migrateTo(name)
      expect((await upTo("0002_billing")).error).toBeUndefined()
      const tables = ["billkit_invoices", "billkit_payments", "billkit_refunds", "billkit_events"]
      for (const [i, table] of tables.entries()) {
        // Stored before 0004: an id dated months after the record's own time.
        const createdAt = `2024-01-1${i}T12:00:00.000Z`
        await db.insertInto(table).values({ id: `x_01J2E87HG0000000000000000${i}`, project_id: "proj_a", mode: "live", data: JSON.stringify({ created_at: createdAt }) }).execute()
      }
      await migrate(db)
      for (const [i, table] of tables.entries()) {
        const rows = await db.selectFrom(table).select("created_at").execute()
        expect(rows, table).toEqual([{ created_at: `2024-01-1${i}T12:00:00.000Z` }])
        expect(await indexNames(db, table)).toContain(`${table}_created_at_idx`)
      }
    })

    it("0014 routes the connections and provider customers stored before it to their tenant", async () => {
      const db = await connect(await open())
      const upTo = (name: string) =>
        new Migrator({ db, provider: { getMigrations: async () => ({ ...migrations }) }, migrationTableName, migrationLockTableName }).migrateTo(name)
      expect((await upTo("0010_referrals")).error).toBeUndefined()
      const createdAt = "2024-03-01T12:00:00.000Z"
      await db.insertInto("billkit_connections").values([
        { id: "conn_01J2E87HG00000000000000001", project_id: "proj_a", mode: "test", status: "active", data: JSON.stringify({ created_at: createdAt }) },
        { id: "conn_01J2E87HG00000000000000002", project_id: "proj_a", mode: "test", status: "deleted", data: JSON.stringify({ created_at: createdAt }) }
      ]).execute()
      await db.insertInto("billkit_provider_customers").values({
        id: "cus_01J2E87HG00000000000000003", project_id: "proj_b", mode: "live", provider_ref: "cus_Stripe123",
        data: JSON.stringify({ provider: "stripe", provider_ref: "cus_Stripe123", created_at: createdAt })
      }).execute()
      await migrate(db)
      const routes = await db.selectFrom("billkit_provider_routes").select(["id", "project_id", "mode", "ref", "data"]).orderBy("ref").execute()
      expect(routes).toEqual([
        {
          id: "prt_01J2E87HG00000000000000001", project_id: "proj_a", mode: "test", ref: "connection:conn_01J2E87HG00000000000000001",
          data: JSON.stringify({ id: "prt_01J2E87HG00000000000000001", object: "provider_route", ref: "connection:conn_01J2E87HG00000000000000001", created_at: createdAt })
        },
        {
          id: "prt_01J2E87HG00000000000000003", project_id: "proj_b", mode: "live", ref: "stripe:cus_Stripe123",
          data: JSON.stringify({ id: "prt_01J2E87HG00000000000000003", object: "provider_route", ref: "stripe:cus_Stripe123", created_at: createdAt })
        }
      ])
    })

    it("lets several connections migrate one database at once", async () => {
      const database = await open()
      const dbs = await Promise.all([connect(database), connect(database), connect(database)])
      await Promise.all(dbs.map(migrate))
      expect(await executed(dbs[0])).toEqual(Object.keys(migrations))
    })

    it("is a no-op when run again", async () => {
      const db = await connect(await open())
      await migrate(db)
      const before = await schema(db)
      await migrate(db)
      await migrate(db)
      expect(await schema(db)).toEqual(before)
      expect(await executed(db)).toEqual(Object.keys(migrations))
    })

    it("never touches a host app's own Kysely migrations", async () => {
      const db = await connect(await open())
      expect((await hostMigrator(db).migrateToLatest()).error).toBeUndefined()
      await migrate(db)
      const again = await hostMigrator(db).migrateToLatest()
      expect(again.error).toBeUndefined()
      expect(again.results).toEqual([])
      expect(await executed(db, "kysely_migration")).toEqual(["2024_01_host_widgets"])
      expect(await executed(db)).toEqual(Object.keys(migrations))
      const names = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name)
      expect(names.filter((n) => !n.startsWith("billkit_")).sort()).toEqual(["host_widgets", "kysely_migration", "kysely_migration_lock"])
    })

    it("fails with a MigrationError naming the migration, and leaves no half-made schema", async () => {
      const db = await connect(await open())
      // A table in the way of the first migration, halfway through it.
      await db.schema.createTable("billkit_features").addColumn("id", "text").execute()
      const error = await migrate(db).then(
        () => undefined,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(MigrationError)
      expect(error).toMatchObject({ _tag: "MigrationError", migration: "0001_initial" })
      expect((error as MigrationError).message).toMatch(/0001_initial/)
      const names = (await db.introspection.getTables()).map((t) => t.name)
      expect(names).not.toContain("billkit_customers")
    })
  })
