/**
 * `traced("Customers.create")(function* (…) { … })`: a service operation with a trace span, like
 * `Effect.fn`, that costs nothing when tracing is off. `Effect.fn` captures a stack trace and
 * makes a span on every call even without a tracer (about 20 µs each); here the span is made
 * only when a tracer is enabled (billkit({ tracer })), and no stack is captured.
 */
import { Effect, FiberRef } from "effect"
import type { YieldWrap } from "effect/Utils"

type ErrorOf<Eff> = [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer E, infer _R>>] ? E : never
type ContextOf<Eff> = [Eff] extends [never] ? never : [Eff] extends [YieldWrap<Effect.Effect<infer _A, infer _E, infer R>>] ? R : never

const withOptionalSpan = <A, E, R>(name: string, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(FiberRef.currentTracerEnabled), (enabled) => (enabled ? Effect.withSpan(self, name) : self))

const isGenerator = (f: Function): boolean => f.constructor.name === "GeneratorFunction"

export function traced(name: string): {
  <Eff extends YieldWrap<Effect.Effect<any, any, any>>, A, Args extends Array<any>>(
    body: (...args: Args) => Generator<Eff, A, never>
  ): (...args: Args) => Effect.Effect<A, ErrorOf<Eff>, ContextOf<Eff>>
  <A, E, R, Args extends Array<any>>(body: (...args: Args) => Effect.Effect<A, E, R>): (...args: Args) => Effect.Effect<A, E, R>
}
export function traced(name: string) {
  return (body: (...args: Array<any>) => any) => {
    const run: (...args: Array<any>) => Effect.Effect<unknown, unknown, unknown> = isGenerator(body)
      ? Effect.fnUntraced(body)
      : (...args) => Effect.suspend(() => body(...args))
    return (...args: Array<any>) => withOptionalSpan(name, run(...args))
  }
}
