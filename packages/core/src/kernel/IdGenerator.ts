/**
 * Ids and secrets come from this service, never from `Math.random()`, so tests can make them
 * deterministic. Ids read time from Effect's `Clock`, so `TestClock` moves them too.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { encodeRandom, incrementRandom, makeId, type IdKind } from "./Ids.js"

export interface IdGeneratorService {
  /** A new prefixed id, strictly greater than every id this generator made before. */
  readonly next: (kind: IdKind) => Effect.Effect<string>
  /**
   * `next` from plain code, at `now` (epoch ms) read from the same `Clock`. Optional for a
   * generator of your own: without it, a plain retrieve's short path runs in a fiber.
   */
  readonly nextAt?: (kind: IdKind, now: number) => string
  /** `bytes` cryptographically random bytes, as lower-case hex. */
  readonly secretHex: (bytes: number) => Effect.Effect<string>
  /** `n` cryptographically random bytes. */
  readonly randomBytes: (n: number) => Effect.Effect<Uint8Array>
}

export class IdGenerator extends Context.Tag("@billkit/core/IdGenerator")<IdGenerator, IdGeneratorService>() {}

/** Builds a generator from a source of random bytes; ids made in one millisecond stay ordered. */
export const makeIdGenerator = (randomBytes: (n: number) => Uint8Array): IdGeneratorService => {
  let lastMs = -1
  let lastRandom = ""
  const nextAt = (kind: IdKind, now: number) => {
    // A clock that goes back (TestClock, NTP) must not break id order: stay on the last ms.
    const ms = Math.max(now, lastMs)
    lastRandom = ms === lastMs ? incrementRandom(lastRandom) : encodeRandom(randomBytes(10))
    lastMs = ms
    return makeId(kind, ms, lastRandom)
  }
  return {
    next: (kind) => Effect.map(Clock.currentTimeMillis, (now) => nextAt(kind, now)),
    nextAt,
    secretHex: (bytes) =>
      Effect.sync(() => Array.from(randomBytes(bytes), (b) => b.toString(16).padStart(2, "0")).join("")),
    randomBytes: (n) => Effect.sync(() => randomBytes(n))
  }
}

/** Web Crypto randomness, drawn 4 KiB at a time: one system call per few hundred ids, not one each. */
const pooledCryptoRandomBytes = (): ((n: number) => Uint8Array) => {
  const pool = new Uint8Array(4096)
  let offset = pool.length
  return (n) => {
    if (n > pool.length) return globalThis.crypto.getRandomValues(new Uint8Array(n))
    if (offset + n > pool.length) {
      globalThis.crypto.getRandomValues(pool)
      offset = 0
    }
    const bytes = pool.slice(offset, offset + n)
    offset += n
    return bytes
  }
}

/** Web Crypto is available in Node ≥ 19, Deno, Bun, browsers and edge runtimes. */
export const layerIdGenerator: Layer.Layer<IdGenerator> = Layer.sync(IdGenerator, () => makeIdGenerator(pooledCryptoRandomBytes()))
