import { Effect, Option } from "effect"
import { traced, type ProjectRecord, type ProjectStore } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"
import { decodeData, encodeData } from "./tables.js"

const table = "billkit_projects"

interface ProjectRow {
  readonly id: string
  readonly name: string
  readonly created_at: string
  readonly settings: string
}

const decode = (r: ProjectRow): ProjectRecord => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  settings: decodeData(r.settings)
})

export const makeProjectStore = ({ query }: SqlExecutor): ProjectStore => ({
  insert: traced("SqlStorage.projects.insert")((project: ProjectRecord) =>
    query((db) =>
      db
        .insertInto(table)
        .values({
          id: project.id,
          name: project.name,
          created_at: project.createdAt,
          settings: encodeData(project.settings)
        })
        .execute()
    ).pipe(Effect.asVoid, Effect.orDie)
  ),
  get: traced("SqlStorage.projects.get")(function* (id: string) {
    const row = yield* query((db) => db.selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst()).pipe(
      Effect.orDie
    )
    return Option.map(Option.fromNullable(row as ProjectRow | undefined), decode)
  }),
  first: query((db) => db.selectFrom(table).selectAll().orderBy("id").limit(1).executeTakeFirst()).pipe(
    Effect.map((row) => Option.map(Option.fromNullable(row as ProjectRow | undefined), decode)),
    Effect.orDie,
    Effect.withSpan("SqlStorage.projects.first")
  ),
  all: query((db) => db.selectFrom(table).selectAll().orderBy("id").execute()).pipe(
    Effect.map((rows) => (rows as unknown as ReadonlyArray<ProjectRow>).map(decode)),
    Effect.orDie,
    Effect.withSpan("SqlStorage.projects.all")
  ),
  count: query((db) =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as("count"))
      .executeTakeFirstOrThrow()
  ).pipe(
    Effect.map((r) => Number(r.count)),
    Effect.orDie,
    Effect.withSpan("SqlStorage.projects.count")
  )
})
