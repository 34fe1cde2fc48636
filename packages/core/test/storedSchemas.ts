/** Every feature's `domain/Records.ts`: the schemas rows are stored with, by file and name. */
import { Schema } from "effect"
import { readdirSync } from "node:fs"

const src = new URL("../src/", import.meta.url)
const recordFiles = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith("Records.ts"))
const recordModules = await Promise.all(recordFiles.map(async (file) => [file, await import(new URL(file, src).href)] as const))

export const storedSchemas: ReadonlyArray<readonly [string, Schema.Schema<any, any>]> = recordModules.flatMap(([file, module]) =>
  Object.entries(module as Record<string, unknown>).flatMap(([name, value]) => {
    const schema = (value as { schema?: unknown } | null)?.schema
    return Schema.isSchema(schema) ? [[`${file} ${name}`, schema as Schema.Schema<any, any>] as const] : []
  })
)
