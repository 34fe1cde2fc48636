/**
 * @billkit/client: a typed REST client for Billkit, built from the same HttpApi declaration as
 * the server. `createClient` (promises) for any caller, `makeClient` (Effect) for Effect programs.
 */
export { makeClient, type BillkitClient, type ClientOptions } from "./EffectClient.js"
export { createClient, type PromiseClient, type PromiseClientOptions } from "./PromiseClient.js"
export { BillkitProblem, type FieldProblem, type ProblemDocument } from "./Problem.js"
