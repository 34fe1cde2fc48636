/**
 * Checks every request gets before its handler, whatever the endpoint (ARCHITECTURE.md rule 4):
 * JSON nested deeper than `maxJsonDepth` is a 400 (deep nesting overflows the stack of whatever
 * walks it later, e.g. the formatting of a decode error), and a NUL character (U+0000) in any
 * string of the path, query or body is refused the same way on every storage backend (Postgres
 * cannot store it in text; SQLite and memory would). A path id with NUL names no record: 404.
 */
import { Option } from "effect"
import { shorten } from "../kernel/Bounds.js"
import { badRequest, notFound, validation, type Problem } from "./Problems.js"
import { fieldPath } from "../kernel/Wire.js"

export const maxJsonDepth = 64

const nul = "\u0000"
const nulMessage = "must not contain NUL characters (\\u0000)"

/** The deepest nesting of arrays and objects in a JSON text, stopping once past `limit`. */
export const jsonDepth = (text: string, limit = maxJsonDepth): number => {
  let depth = 0
  let deepest = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) {
      // A string: jump to its closing quote (most of a body is strings), one not escaped by an
      // odd run of backslashes.
      for (;;) {
        i = text.indexOf("\"", i + 1)
        if (i === -1) return deepest
        let backslashes = 0
        while (text.charCodeAt(i - 1 - backslashes) === 92) backslashes++
        if (backslashes % 2 === 0) break
      }
    } else if (c === 123 || c === 91) {
      if (++depth > deepest) deepest = depth
      if (deepest > limit) return deepest
    } else if (c === 125 || c === 93) depth--
  }
  return deepest
}

const fieldOf = (path: ReadonlyArray<string | number>) => fieldPath(path) || "body"

/** The first string (key or value) holding NUL in a parsed JSON value, as a field path. */
const nulField = (root: unknown): string | undefined => {
  const stack: Array<{ value: unknown; path: ReadonlyArray<string | number> }> = [{ value: root, path: [] }]
  while (stack.length > 0) {
    const { path, value } = stack.pop()!
    if (typeof value === "string") {
      if (value.includes(nul)) return fieldOf(path)
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }))
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k.includes(nul)) return fieldOf([...path, shorten(k.replaceAll(nul, "\\u0000"))])
        stack.push({ value: v, path: [...path, k] })
      }
    }
  }
  return undefined
}

const decoded = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** The problem with a request's path, query or body text, if it has one. */
export const hostileInputProblem = (url: string, body: string): Option.Option<Problem> => {
  const parsed = new URL(url, "http://local")
  if (parsed.pathname.split("/").some((segment) => decoded(segment)?.includes(nul))) {
    return Option.some(notFound(`No such record: a path segment holds a NUL character`))
  }
  for (const [key, value] of parsed.searchParams) {
    if (key.includes(nul) || value.includes(nul)) {
      const field = shorten(key.replaceAll(nul, "\\u0000"))
      return Option.some(badRequest(`${field}: ${nulMessage}`, [{ field, message: nulMessage }]))
    }
  }
  if (body === "") return Option.none()
  if (jsonDepth(body) > maxJsonDepth) {
    return Option.some(badRequest(`The request body nests arrays and objects deeper than ${maxJsonDepth} levels`))
  }
  // NUL arrives as the escape \u0000 (a raw NUL is not valid JSON, and parsing fails later with a 400).
  if (body.includes("\\u0000") || body.includes(nul)) {
    let json: unknown
    try {
      json = JSON.parse(body)
    } catch {
      return Option.none()
    }
    const field = nulField(json)
    if (field !== undefined) return Option.some(validation(`${field} ${nulMessage}`, [{ field, message: nulMessage }]))
  }
  return Option.none()
}
