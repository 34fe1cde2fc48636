/** A problem document (RFC 9457) the API answered with, as an Error a promise can reject with. */

export interface FieldProblem {
  readonly field: string
  readonly message: string
}

export interface ProblemDocument {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance?: string | undefined
  readonly request_id?: string | undefined
  readonly errors?: ReadonlyArray<FieldProblem> | undefined
}

export class BillkitProblem extends Error implements ProblemDocument {
  override readonly name = "BillkitProblem"
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance: string | undefined
  readonly request_id: string | undefined
  /** One entry per offending field (`[]` when the problem is not about fields). */
  readonly errors: ReadonlyArray<FieldProblem>

  constructor(problem: ProblemDocument) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`)
    this.type = problem.type
    this.title = problem.title
    this.status = problem.status
    this.detail = problem.detail
    this.instance = problem.instance
    this.request_id = problem.request_id
    this.errors = problem.errors ?? []
  }
}

/** The problem classes the Effect client fails with all carry these fields. */
export const isProblemDocument = (u: unknown): u is ProblemDocument =>
  typeof u === "object" && u !== null &&
  typeof (u as ProblemDocument).status === "number" && typeof (u as ProblemDocument).type === "string" &&
  typeof (u as ProblemDocument).detail === "string" && (u as ProblemDocument).type.startsWith("urn:billkit:error:")
