/**
 * Domain failures. Services fail with these; the HTTP layer maps them to problem documents
 * (404, 409, 422). They never carry HTTP concepts themselves.
 */
import { Data } from "effect"

export class NotFound extends Data.TaggedError("NotFound")<{
  readonly resource: string
  readonly id: string
}> {
  get message() {
    return `No such ${this.resource}: ${this.id}`
  }
}

/** The request is valid but clashes with existing state (duplicate email, a used price). */
export class Conflict extends Data.TaggedError("Conflict")<{
  readonly message: string
  readonly field?: string
}> {}

/** A well-formed input that the domain refuses (an unknown price in a plan, a trial of 0 days). */
export class Invalid extends Data.TaggedError("Invalid")<{
  readonly field: string
  readonly message: string
}> {}
