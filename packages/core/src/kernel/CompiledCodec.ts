/**
 * A schema compiled to a plain function that encodes or decodes the inputs a schema accepts, with
 * exactly Effect Schema's result, in a fraction of its interpreter's time. Stored records are
 * encoded and decoded on every write and read: the billing loop spent a fifth of its CPU in
 * `ParseResult`'s generic walk (a `TypeLiteral` checked field by field on both sides of every
 * `fromKey` rename, each step allocating an `Either`).
 *
 * The compiled function mirrors `effect/ParseResult`'s interpreter (`go`, v3) node by node for
 * what records are made of: structs with renamed keys, arrays, unions without literal
 * discriminants, refinements, transformations and declarations (BigDecimal, Option). Anything
 * else, and any node carrying its own parse options, is handed to the interpreter itself. It
 * answers a value only where the interpreter would answer the same one; otherwise it answers
 * `Fail` (the interpreter fails too) or `Unknown` (an effectful step it cannot run), and the
 * caller asks the interpreter, which also writes the error. Only default parse options are
 * supported: no `exact`, excess properties ignored.
 */
import { Either, Option, ParseResult, Schema, SchemaAST as AST } from "effect"
import { identity } from "effect/Function"

/** The input fails the schema. */
export const Fail: unique symbol = Symbol.for("@billkit/core/CompiledCodec/Fail")
/** The compiled function cannot decide: ask the interpreter. */
export const Unknown: unique symbol = Symbol.for("@billkit/core/CompiledCodec/Unknown")

export type Compiled = (input: unknown) => unknown

const decodeMemo = new WeakMap<AST.AST, Compiled>()
const encodeMemo = new WeakMap<AST.AST, Compiled>()

/** `ast` compiled for decoding (`isDecoding`) or encoding. */
export const compile = (ast: AST.AST, isDecoding: boolean): Compiled => {
  const memo = isDecoding ? decodeMemo : encodeMemo
  const existing = memo.get(ast)
  if (existing !== undefined) return existing
  // A node with its own parse options (or a decoding fallback) runs them in the interpreter.
  const ownOptions = Option.isSome(AST.getParseOptionsAnnotation(ast)) ||
    (isDecoding && Option.isSome(AST.getDecodingFallbackAnnotation(ast)))
  const made = ownOptions ? interpreted(ast, isDecoding) : build(ast, isDecoding)
  memo.set(ast, made)
  return made
}

/**
 * How many times decoding filled an absent key with its default (`optionalWith`), or may have,
 * in a part the interpreter decodes. Read before and after decoding stored JSON: unchanged, and
 * the record encodes back to the very JSON it came from; changed, and the row was written before
 * the key existed (kernel/Encoder.ts, `storedDecoder`).
 */
export const defaultsFilled = { count: 0 }

/** Whether a renaming transformation's decoding makes a key out of nothing: a default. */
const fillsDefault = (kind: AST.TypeLiteralTransformation) =>
  kind.propertySignatureTransformations.some((pst) => Option.isSome(pst.decode(Option.none())))

/** Whether decoding `ast` may fill a default anywhere inside it (conservative). */
const mayFillDefaults = (ast: AST.AST, seen = new Set<AST.AST>()): boolean => {
  if (seen.has(ast)) return false
  seen.add(ast)
  const inside = (asts: ReadonlyArray<AST.AST>) => asts.some((a) => mayFillDefaults(a, seen))
  switch (ast._tag) {
    case "Transformation":
      return (ast.transformation._tag === "TypeLiteralTransformation" && fillsDefault(ast.transformation)) || inside([ast.from, ast.to])
    case "Refinement":
      return inside([ast.from])
    case "TypeLiteral":
      return inside([...ast.propertySignatures.map((ps) => ps.type), ...ast.indexSignatures.map((is) => is.type)])
    case "TupleType":
      return inside([...ast.elements.map((e) => e.type), ...ast.rest.map((r) => r.type)])
    case "Union":
      return inside(ast.types)
    case "Declaration":
      return inside(ast.typeParameters)
    case "Suspend":
      return inside([ast.f()])
    default:
      return false
  }
}

/** The interpreter's answer for a node the compiler does not mirror. */
const interpreted = (ast: AST.AST, isDecoding: boolean): Compiled => {
  const schema = Schema.make(ast)
  const parse = isDecoding ? ParseResult.decodeUnknownEither(schema) : ParseResult.encodeUnknownEither(schema)
  // The interpreter does not say whether it filled a default: count every call that could have.
  const mayFill = isDecoding && mayFillDefaults(ast)
  return (input) => {
    if (mayFill) defaultsFilled.count++
    const result = parse(input)
    return Either.isRight(result) ? result.right : Fail
  }
}

/** An `Either` from a transformation or declaration; anything else is an effect to run. */
const settled = (result: unknown): unknown =>
  Either.isEither(result) ? (Either.isRight(result) ? result.right : Fail) : Unknown

const failed = (value: unknown): boolean => value === Fail || value === Unknown

const options = AST.defaultParseOption

const hasOwn = Object.prototype.hasOwnProperty

/** A struct's properties, each with its compiled parser. */
const compiledProperties = (ast: AST.TypeLiteral, isDecoding: boolean) =>
  ast.propertySignatures.map((ps) => ({ name: ps.name, optional: ps.isOptional, parse: compile(ps.type, isDecoding) }))

/** A renaming transformation's key moves, in the direction of the walk. */
const movesOf = (kind: AST.TypeLiteralTransformation, isDecoding: boolean) =>
  kind.propertySignatureTransformations.map((pst) =>
    isDecoding ? { from: pst.from, to: pst.to, f: pst.decode } : { from: pst.to, to: pst.from, f: pst.encode }
  )

const build = (ast: AST.AST, isDecoding: boolean): Compiled => {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string" ? u : Fail
    case "NumberKeyword":
      return (u) => typeof u === "number" ? u : Fail
    case "BooleanKeyword":
      return (u) => typeof u === "boolean" ? u : Fail
    case "UndefinedKeyword":
      return (u) => u === undefined ? u : Fail
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal ? u : Fail
    }
    case "UnknownKeyword":
    case "AnyKeyword":
      return (u) => u
    case "Refinement":
      return refinement(ast, isDecoding)
    case "Transformation":
      return transformation(ast, isDecoding)
    case "Declaration": {
      const parse = isDecoding ? ast.decodeUnknown(...ast.typeParameters) : ast.encodeUnknown(...ast.typeParameters)
      return (u) => settled(parse(u, options, ast))
    }
    case "TupleType":
      return tuple(ast, isDecoding)
    case "TypeLiteral":
      return typeLiteral(ast, isDecoding)
    case "Union":
      return union(ast, isDecoding)
    case "Suspend": {
      let target: Compiled | undefined
      return (u) => (target ??= compile(ast.f(), isDecoding))(u)
    }
    default:
      return interpreted(ast, isDecoding)
  }
}

const refinement = (ast: AST.Refinement, isDecoding: boolean): Compiled => {
  if (isDecoding) {
    const from = compile(ast.from, true)
    return (u) => {
      const a = from(u)
      if (failed(a)) return a
      return Option.isNone(ast.filter(a, options, ast)) ? a : Fail
    }
  }
  // Encoding checks the value against the type side, refinement included, then encodes it.
  const check = compile(AST.typeAST(ast), true)
  const to = compile(withoutRefinements(ast.from), false)
  return (u) => {
    const a = check(u)
    return failed(a) ? a : to(a)
  }
}

const withoutRefinements = (ast: AST.AST): AST.AST => AST.isRefinement(ast) ? withoutRefinements(ast.from) : ast

const transformation = (ast: AST.Transformation, isDecoding: boolean): Compiled => {
  const renamed = renamedStruct(ast, isDecoding)
  if (renamed !== undefined) return renamed
  const from = isDecoding ? compile(ast.from, true) : compile(ast.to, false)
  const to = isDecoding ? compile(ast.to, true) : compile(ast.from, false)
  const step = transformationStep(ast, isDecoding)
  return (u) => {
    const a = from(u)
    if (failed(a)) return a
    const b = step(a, u)
    return failed(b) ? b : to(b)
  }
}

const transformationStep = (ast: AST.Transformation, isDecoding: boolean): (a: any, u: unknown) => unknown => {
  const kind = ast.transformation
  switch (kind._tag) {
    case "FinalTransformation": {
      const f = isDecoding ? kind.decode : kind.encode
      return (a, u) => settled(f(a, options, ast, u))
    }
    case "ComposeTransformation":
      return (a) => a
    case "TypeLiteralTransformation": {
      // As the interpreter: each key is moved on the object `from` made (a fresh one), in order,
      // deleted and set again, so the encoded keys come out in the interpreter's order.
      const renames = movesOf(kind, isDecoding)
      return (a) => {
        for (const { f, from, to } of renames) {
          const had = hasOwn.call(a, from)
          const moved = f(had ? Option.some(a[from]) : Option.none())
          delete a[from]
          if (Option.isSome(moved)) {
            a[to] = moved.value
            if (!had && isDecoding) defaultsFilled.count++
          }
        }
        return a
      }
    }
  }
}

/** A property the first walk of a renamed struct took in: absent, or its value. */
const absent: unique symbol = Symbol.for("@billkit/core/CompiledCodec/absent")

/**
 * A struct with renamed keys (`fromKey`, and `optionalWith` defaults), the shape of every stored
 * record, in one walk instead of three: the interpreter builds the first side's object, moves the
 * renamed keys on it, then builds the other side's object from that. Here the first side's values
 * go to an array and each key of the other side reads its value where the move would have put it.
 * That is the same only when the moves do not interfere (no key moved twice, onto another moved
 * key, or onto a key that stays), so anything else takes the general path. Undefined when `ast` is
 * not such a struct.
 */
const renamedStruct = (ast: AST.Transformation, isDecoding: boolean): Compiled | undefined => {
  const kind = ast.transformation
  const first = isDecoding ? ast.from : ast.to
  const second = isDecoding ? ast.to : ast.from
  if (kind._tag !== "TypeLiteralTransformation" || !AST.isTypeLiteral(first) || !AST.isTypeLiteral(second)) return undefined
  if (first.indexSignatures.length > 0 || second.indexSignatures.length > 0) return undefined
  const moves = movesOf(kind, isDecoding)
  const sources = new Set(moves.map((m) => m.from))
  const targets = new Set(moves.map((m) => m.to))
  const firstNames = first.propertySignatures.map((ps) => ps.name)
  const interfering = sources.size !== moves.length || targets.size !== moves.length ||
    moves.some((m) => m.to !== m.from && sources.has(m.to)) ||
    firstNames.some((name) => targets.has(name) && !sources.has(name))
  if (interfering) return undefined

  const firstProperties = compiledProperties(first, isDecoding)
  const indexOf = (name: PropertyKey) => firstNames.indexOf(name)
  const secondProperties = compiledProperties(second, isDecoding).map((property) => {
    const move = moves.find((m) => m.to === property.name)
    return {
      ...property,
      // Where the value comes from: a move (from that key of the first side, if it has one), the
      // same key of the first side, or nowhere (a key moved away, or one the first side lacks).
      // A plain rename (`fromKey`) moves the value as it is: no call, no `Option` per field.
      move: move?.f === identity ? undefined : move?.f,
      source: move !== undefined ? indexOf(move.from) : sources.has(property.name) ? -1 : indexOf(property.name)
    }
  })
  return (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return Fail
    const input = u as Record<PropertyKey, unknown>
    const values: Array<unknown> = new Array(firstProperties.length)
    for (let i = 0; i < firstProperties.length; i++) {
      const { name, optional, parse } = firstProperties[i]
      if (optional && !hasOwn.call(input, name)) {
        values[i] = absent
        continue
      }
      const v = parse(input[name])
      if (failed(v)) return v
      values[i] = v
    }
    const output: Record<PropertyKey, unknown> = {}
    for (const { move, name, optional, parse, source } of secondProperties) {
      let value = source === -1 ? absent : values[source]
      if (move !== undefined) {
        const moved = move(value === absent ? Option.none() : Option.some(value))
        if (value === absent && Option.isSome(moved) && isDecoding) defaultsFilled.count++
        value = Option.isSome(moved) ? moved.value : absent
      }
      if (value === absent) {
        if (optional) continue
        value = undefined
      }
      const v = parse(value)
      if (failed(v)) return v
      output[name] = v
    }
    return output
  }
}

const tuple = (ast: AST.TupleType, isDecoding: boolean): Compiled => {
  // Arrays (`Schema.Array`); other tuples are rare in records and go to the interpreter.
  if (ast.elements.length > 0 || ast.rest.length !== 1) return interpreted(ast, isDecoding)
  const item = compile(ast.rest[0].type, isDecoding)
  return (u) => {
    if (!Array.isArray(u)) return Fail
    const out = new Array(u.length)
    for (let i = 0; i < u.length; i++) {
      const v = item(u[i])
      if (failed(v)) return v
      out[i] = v
    }
    return out
  }
}

const typeLiteral = (ast: AST.TypeLiteral, isDecoding: boolean): Compiled => {
  if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return (u) => u !== null && u !== undefined ? u : Fail
  }
  // Index signatures keyed by plain strings (Record<string, …>); refined keys go to the interpreter.
  if (ast.indexSignatures.some((is) => is.parameter._tag !== "StringKeyword")) return interpreted(ast, isDecoding)
  const properties = compiledProperties(ast, isDecoding)
  const expected = new Set<PropertyKey>(ast.propertySignatures.map((ps) => ps.name))
  const indexValues = ast.indexSignatures.map((is) => compile(is.type, isDecoding))
  return (u) => {
    if (typeof u !== "object" || u === null || Array.isArray(u)) return Fail
    const input = u as Record<PropertyKey, unknown>
    const output: Record<PropertyKey, unknown> = {}
    for (const { name, optional, parse } of properties) {
      if (optional && !hasOwn.call(input, name)) continue
      const v = parse(input[name])
      if (failed(v)) return v
      output[name] = v
    }
    for (const value of indexValues) {
      for (const key of Object.keys(input)) {
        const v = value(input[key])
        if (failed(v)) return v
        if (!expected.has(key)) output[key] = v
      }
    }
    return output
  }
}

const union = (ast: AST.Union, isDecoding: boolean): Compiled => {
  // The interpreter first narrows members by literal-valued properties (discriminated unions);
  // without any, it tries every member in order and answers the first success.
  if (ast.types.some((member) => mayHaveLiteralKeys(member, isDecoding))) return interpreted(ast, isDecoding)
  const members = ast.types.map((member) => compile(member, isDecoding))
  return (u) => {
    for (const member of members) {
      const v = member(u)
      if (v === Unknown) return Unknown
      if (v !== Fail) return v
    }
    return Fail
  }
}

/** Whether the interpreter's union search tree could file `ast` under a literal key (conservative). */
const mayHaveLiteralKeys = (ast: AST.AST, isDecoding: boolean): boolean => {
  switch (ast._tag) {
    case "TypeLiteral":
      return ast.propertySignatures.some((ps) => !ps.isOptional && AST.isLiteral(isDecoding ? AST.encodedAST(ps.type) : AST.typeAST(ps.type)))
    case "TupleType":
      return ast.elements.some((e) => !e.isOptional && AST.isLiteral(isDecoding ? AST.encodedAST(e.type) : AST.typeAST(e.type)))
    case "Refinement":
      return mayHaveLiteralKeys(ast.from, isDecoding)
    case "Transformation":
      return mayHaveLiteralKeys(isDecoding ? ast.from : ast.to, isDecoding)
    case "Declaration":
      return Option.isSome(AST.getSurrogateAnnotation(ast))
    case "Suspend":
      return true
    default:
      return false
  }
}
