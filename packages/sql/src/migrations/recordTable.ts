/**
 * Schema helpers for migrations. Migrations are frozen history: never change what these
 * helpers create; when a new shape is needed, add a new helper next to them.
 */
import { sql, type Kysely } from "kysely"
import { dialectOf } from "../internal/dialect.js"

/** Binary collation on Postgres, so ids sort (and cursors compare) as on SQLite and in memory. */
export const idColumnType = (db: Kysely<any>) => (dialectOf(db) === "postgres" ? sql`text collate "C"` : sql`text`)

export interface RecordTableShape {
  readonly name: string
  readonly indexed: ReadonlyArray<string>
  readonly unique: ReadonlyArray<string>
  readonly globallyUnique: ReadonlyArray<string>
}

/**
 * Creates `billkit_<name>`: tenancy and id as columns, the record as JSON text, one nullable text
 * column per indexed field. Index names follow `billkit_<name>_<field>_{idx,key,gkey}` so that a
 * unique violation can be traced back to its field.
 */
export const createRecordTable = async (db: Kysely<any>, shape: RecordTableShape): Promise<void> => {
  const table = `billkit_${shape.name}`
  let create = db.schema
    .createTable(table)
    .addColumn("id", idColumnType(db), (col) => col.primaryKey().notNull())
    .addColumn("project_id", "text", (col) => col.notNull())
    .addColumn("mode", "text", (col) => col.notNull())
    .addColumn("data", "text", (col) => col.notNull())
  for (const field of shape.indexed) create = create.addColumn(field, "text")
  await create.execute()

  // Serves every tenant-scoped list in id order.
  await db.schema.createIndex(`${table}_tenant_idx`).on(table).columns(["project_id", "mode", "id"]).execute()
  for (const field of shape.indexed) {
    if (shape.unique.includes(field)) {
      // The unique index below also serves equality lookups (col = x implies col is not null).
      await db.schema
        .createIndex(`${table}_${field}_key`)
        .on(table)
        .columns(["project_id", "mode", field])
        .unique()
        .where(sql.ref(field), "is not", null)
        .execute()
    } else if (!shape.globallyUnique.includes(field)) {
      // (Globally unique fields are served by their own unique index below.)
      await db.schema.createIndex(`${table}_${field}_idx`).on(table).columns(["project_id", "mode", field]).execute()
    }
  }
  for (const field of shape.globallyUnique) {
    await db.schema
      .createIndex(`${table}_${field}_gkey`)
      .on(table)
      .column(field)
      .unique()
      .where(sql.ref(field), "is not", null)
      .execute()
  }
}
