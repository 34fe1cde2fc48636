/**
 * Ids and secrets come from this service, never from `Math.random()`, so tests can make them
 * deterministic. Ids read time from Effect's `Clock`, so `TestClock` moves them too.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { encodeRandom, incrementRandom, makeId, type IdKind } from "../domain/Ids.js"

export interface IdGeneratorService {
  /** A new prefixed id, strictly greater than every id this generator made before. */
  readonly next: (kind: IdKind) => Effect.Effect<string>
  /** `bytes` cryptographically random bytes, as lower-case hex. */
  readonly secretHex: (bytes: number) => Effect.Effect<string>
}

export class IdGenerator extends Context.Tag("@billkit/core/IdGenerator")<IdGenerator, IdGeneratorService>() {}

/** Builds a generator from a source of random bytes; ids made in one millisecond stay ordered. */
export const makeIdGenerator = (randomBytes: (n: number) => Uint8Array): IdGeneratorService => {
  let lastMs = -1
  let lastRandom = ""
  return {
    next: (kind) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        // A clock that goes back (TestClock, NTP) must not break id order: stay on the last ms.
        const ms = Math.max(now, lastMs)
        lastRandom = ms === lastMs ? incrementRandom(lastRandom) : encodeRandom(randomBytes(10))
        lastMs = ms
        return makeId(kind, ms, lastRandom)
      }),
    secretHex: (bytes) =>
      Effect.sync(() => Array.from(randomBytes(bytes), (b) => b.toString(16).padStart(2, "0")).join(""))
  }
}

const cryptoRandomBytes = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n))

/** Web Crypto randomness: available in Node ≥ 19, Deno, Bun, browsers and edge runtimes. */
export const layerIdGenerator: Layer.Layer<IdGenerator> = Layer.sync(IdGenerator, () => makeIdGenerator(cryptoRandomBytes))
