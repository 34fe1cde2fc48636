/** `expand=a,b`: which references to inline. Unknown names are a 400, not silently ignored. */
import { Effect } from "effect"
import { shorten } from "../kernel/Bounds.js"
import { badRequest, type BadRequest } from "./Problems.js"

export const parseExpand = <const K extends string>(
  raw: string | undefined,
  allowed: ReadonlyArray<K>
): Effect.Effect<ReadonlySet<K>, BadRequest> => {
  if (raw === undefined || raw.trim() === "") return Effect.succeed(new Set())
  const names = raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0)
  const unknown = names.filter((n) => !(allowed as ReadonlyArray<string>).includes(n))
  if (unknown.length > 0) {
    // The answer quotes a short prefix of what was asked, however long the query was.
    return Effect.fail(badRequest(
      `Cannot expand ${shorten(unknown.join(", "), 200)}; expandable here: ${allowed.join(", ") || "nothing"}`,
      [{ field: "expand", message: `unknown field ${shorten(unknown[0]!, 60)}` }]
    ))
  }
  return Effect.succeed(new Set(names as Array<K>))
}
