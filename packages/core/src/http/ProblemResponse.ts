/** Turns whatever a request failed with into an RFC 9457 problem response. */
import { HttpApiDecodeError } from "@effect/platform/HttpApiError"
import { HttpServerResponse } from "@effect/platform"
import { Cause, Option } from "effect"
import { shorten } from "../kernel/Bounds.js"
import { badRequest, isProblem, notFound, titleOf, validation, type FieldError, type Problem } from "./Problems.js"
import { fieldPath } from "../kernel/Wire.js"

export interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance: string
  readonly request_id: string
  readonly errors?: ReadonlyArray<FieldError>
}


const literal = /^Expected (".*"|\d+|true|false|null), actual (.*)$/

/**
 * One error per field. Schema reports a union failure once per member: an optional field's bad
 * value also fails "Expected undefined", and a bad enum value fails each literal. Those become
 * one message ("must be one of "draft", "open"…") or are dropped beside a more precise one.
 */
const mergeByField = (errors: ReadonlyArray<FieldError>): Array<FieldError> => {
  const byField = new Map<string, Array<string>>()
  for (const e of errors) byField.set(e.field, [...(byField.get(e.field) ?? []), e.message])
  return [...byField.entries()].flatMap(([field, messages]) => {
    const precise = messages.filter((m) => !m.startsWith("Expected undefined"))
    const kept = precise.length > 0 ? precise : messages
    const literals = kept.map((m) => literal.exec(m))
    if (kept.length > 1 && literals.every((m) => m !== null)) {
      return [{ field, message: `must be one of ${literals.map((m) => m![1]).join(", ")}; got ${literals[0]![2]}` }]
    }
    return [...new Set(kept)].map((message) => ({ field, message }))
  })
}

/**
 * Messages quote at most a short prefix of a bad value (Schema's "Expected …, actual <value>"
 * would quote all of a 100,000-digit number), so neither answers nor logs grow with the input.
 */
const quoted = (message: string): string => {
  const short = message.replace(/(, actual )([\s\S]*)$/, (_, lead: string, actual: string) => `${lead}${shorten(actual, 60)}`)
  return shorten(short, 300)
}

const maxListedErrors = 100

const fromDecodeError = (error: HttpApiDecodeError, hasBody: boolean): Problem => {
  const errors = mergeByField(error.issues.map((issue) => ({ field: shorten(fieldPath(issue.path) || "body", 200), message: quoted(issue.message) })))
  const first = errors[0]
  const detail = first === undefined ? quoted(error.message) : `${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`
  // At most the first 100 errors are listed (the detail still counts them all), so a body of a
  // thousand bad lines cannot make the answer a hundred times its size.
  const listed = errors.slice(0, maxListedErrors)
  // A body that parses but does not fit is 422; a bad query or path value is a malformed request.
  return hasBody ? validation(detail, listed) : badRequest(detail, listed)
}

const isRouteNotFound = (u: unknown) => typeof u === "object" && u !== null && "_tag" in u && u._tag === "RouteNotFound"
const isBadJson = (u: unknown) =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === "RequestError" && "reason" in u && u.reason === "Decode"

/** The problem for a failed request, or none when it is an unexpected failure (a 500). */
export const problemOf = (cause: Cause.Cause<unknown>, hasBody: boolean, method: string, path: string): Option.Option<Problem> => {
  const failure = Cause.failureOption(cause)
  const error = Option.isSome(failure) ? failure.value : Option.getOrUndefined(Cause.dieOption(cause))
  if (isProblem(error)) return Option.some(error)
  if (error instanceof HttpApiDecodeError) return Option.some(fromDecodeError(error, hasBody))
  if (isRouteNotFound(error)) return Option.some(notFound(`No route for ${method} ${path}`))
  if (isBadJson(error)) return Option.some(badRequest("The request body is not valid JSON"))
  return Option.none()
}

export const internalError = (detail: string) => ({
  type: "urn:billkit:error:internal",
  title: titleOf(500),
  status: 500,
  detail
})

/**
 * Every problem leaves through here, so here its size is bounded: a detail, message or path that
 * echoes a 100,000-character input quotes only its start, wherever the message was written.
 */
export const problemResponse = (
  problem: Omit<ProblemBody, "instance" | "request_id">,
  instance: string,
  requestId: string
) =>
  HttpServerResponse.unsafeJson(
    {
      ...problem,
      detail: shorten(problem.detail, 1_000),
      ...(problem.errors ? { errors: problem.errors.map((e) => ({ field: shorten(e.field, 200), message: shorten(e.message, 300) })) } : {}),
      instance: shorten(instance, 1_000),
      request_id: requestId
    },
    { status: problem.status, contentType: "application/problem+json" }
  )
