// What a protobuf body would make protobufjs build, counted from the wire format alone, before it decodes:
// varint tags and length-delimited fields walked with an explicit stack, nothing allocated per element.
import protobuf from 'protobufjs'

export interface CensusLimits {
  /** messages and repeated values in all */
  total: number
  /** message nesting */
  depth: number
  /** repeated message fields with a bound of their own, e.g. ScopeSpans.spans */
  perField: ReadonlyMap<protobuf.Field, number>
}

/** Why a body is refused before decoding: 400 (not protobuf, or too deep) or 413 (too many elements). */
export interface CensusRefusal {
  status: 400 | 413
  reason: string
}

const VARINT = 0
const FIXED64 = 1
const LENGTH_DELIMITED = 2
const FIXED32 = 5
/** scalar types protobufjs reads packed, one element per at least one byte */
const PACKABLE = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool'])

class Malformed extends Error {}

/** A cursor over the bytes: varints read as numbers (lengths and tags fit; other varints are only skipped). */
class Cursor {
  pos = 0
  constructor(readonly bytes: Uint8Array) {}

  varint(end: number): number {
    let value = 0
    for (let shift = 1, i = 0; i < 10; i++, shift *= 128) {
      if (this.pos >= end) throw new Malformed('truncated varint')
      const b = this.bytes[this.pos++]!
      value += (b & 0x7f) * shift
      if (b < 0x80) return value
    }
    throw new Malformed('varint longer than 10 bytes')
  }

  skip(n: number, end: number) {
    if (n > end - this.pos) throw new Malformed('a field runs past the end of its message')
    this.pos += n
  }
}

/**
 * The first limit `bytes`, read as a `type`, goes past, or undefined when protobufjs may decode it. Malformed
 * framing is refused here too (400), as protobufjs would refuse it after building what came before.
 */
export function census(bytes: Uint8Array, type: protobuf.Type, limits: CensusLimits): CensusRefusal | undefined {
  const at = new Cursor(bytes)
  const ends = [bytes.length]
  const types = [type]
  const counts = new Map<protobuf.Field, number>()
  let total = 0
  try {
    for (;;) {
      const end = ends[ends.length - 1]!
      if (at.pos === end) {
        if (ends.length === 1) return undefined
        ends.pop()
        types.pop()
        continue
      }
      const tag = at.varint(end)
      const wireType = tag % 8
      const field = types[types.length - 1]!.fieldsById[Math.floor(tag / 8)]
      if (tag < 8) throw new Malformed('field number 0')
      if (wireType === VARINT) at.varint(end)
      else if (wireType === FIXED64) at.skip(8, end)
      else if (wireType === FIXED32) at.skip(4, end)
      else if (wireType !== LENGTH_DELIMITED) throw new Malformed(`wire type ${wireType} (OTLP uses no groups)`)
      else {
        const length = at.varint(end)
        const child = field?.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined
        if (child) {
          if (length > end - at.pos) throw new Malformed('a field runs past the end of its message')
          if (ends.length >= limits.depth) return { status: 400, reason: `the body nests deeper than the depth limit of ${limits.depth} levels` }
          ends.push(at.pos + length)
          types.push(child)
        } else at.skip(length, end)
        // A packed run of scalars: at most one element per byte.
        if (field?.repeated && !child) total += PACKABLE.has(field.type) ? length - 1 : 0
      }
      if (!field?.repeated && !(field?.resolvedType instanceof protobuf.Type)) continue
      // A wrong wire type for a known field is skipped by protobufjs, but counting it too costs nothing.
      if (++total > limits.total) return { status: 413, reason: `a request may hold at most ${limits.total} messages and repeated values (attributes, events, links …)` }
      const bound = limits.perField.get(field)
      if (bound === undefined) continue
      const count = (counts.get(field) ?? 0) + 1
      if (count > bound) return { status: 413, reason: `a request may hold at most ${bound} ${field.name}` }
      counts.set(field, count)
    }
  } catch (error) {
    if (error instanceof Malformed) return { status: 400, reason: `the body is not an ExportTraceServiceRequest: ${error.message} at byte ${at.pos}` }
    throw error
  }
}
