import { createHash } from 'node:crypto'
import type { Segment, TCModel } from '@iabtechlabtcf/core'
import { lazy } from '../../platform/lazy.ts'
import type { TcfPurposeMapping } from './tracking-config.ts'

// Loaded with the first TC string, not with the tracking module (issue #18).
const tcf = lazy<typeof import('@iabtechlabtcf/core')>('@iabtechlabtcf/core')

/** What an IAB TCF v2 consent string says about one Tresor purpose. */
export interface TcfVerdict {
  /** Every mapped TCF purpose carries the visitor's consent. */
  granted: boolean
  /** The mapped TCF purposes the string does not consent to (ascending). */
  missing: number[]
  /**
   * Art. 7(1), for the proof of a consent recorded from the string: where and how it was given
   * (TCF policy, the CMP and its version, the consent screen, the language) and a reference to the
   * string itself (its SHA-256: the CMP keeps the string, Tresor does not need to).
   */
  proof: { textVersion: string; reference: string }
}

/** The string could not be read as a TCF v2 consent string (the request is a 400 naming the field). */
export class UndecodableTcString extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'UndecodableTcString'
  }
}

/** The TCF segment type of one `.`-separated segment: its first 3 bits (the core segment's are 0). */
function segmentOf(segment: string): Segment | undefined {
  const { Base64Url, BitLength, SegmentIDs } = tcf()
  const bits = Base64Url.decode(segment.charAt(0)).slice(0, BitLength.segmentType)
  return SegmentIDs.ID_TO_KEY[Number.parseInt(bits, 2)]
}

/**
 * Reads a TC string with the IAB's own library (`TCString.decode`) and decides it for one Tresor
 * purpose: granted only when every TCF purpose of the mapping is consented (and, where the string
 * declares the publisher's own purposes, consented there too). Throws `UndecodableTcString` for
 * anything that is not a TCF v2 string with a core segment.
 */
export function readTcString(value: string, mapping: TcfPurposeMapping): TcfVerdict {
  const { Segment, TCString } = tcf()
  let model: TCModel
  let segments: (Segment | undefined)[]
  try {
    segments = value.split('.').map(segmentOf)
    model = TCString.decode(value)
  } catch (error) {
    // The library's message says what was wrong with the encoding, never the string itself.
    throw new UndecodableTcString(error instanceof Error ? error.message : 'cannot be decoded')
  }
  if (segments[0] !== Segment.CORE) throw new UndecodableTcString('the string has no core segment')
  if (model.version !== 2) throw new UndecodableTcString('only TCF v2 strings are read')
  // Strings that are service-specific carry a publisher segment even when the CMP asks no publisher
  // purpose (all bits 0): only a segment that declares something speaks for the publisher.
  const withPublisher =
    mapping.publisherConsentsWhenDeclared &&
    segments.includes(Segment.PUBLISHER_TC) &&
    (model.publisherConsents.size > 0 || model.publisherLegitimateInterests.size > 0)
  const missing = mapping.purposes.filter(
    (p) => !model.purposeConsents.has(p) || (withPublisher && !model.publisherConsents.has(p)),
  )
  return {
    granted: missing.length === 0,
    missing: [...missing].sort((a, b) => a - b),
    proof: {
      textVersion:
        `TCF v2 policy ${model.policyVersion}, CMP ${model.cmpId} v${model.cmpVersion}, ` +
        `screen ${model.consentScreen}, ${model.consentLanguage}`,
      reference: `tc-string-sha256:${createHash('sha256').update(value).digest('hex')}`,
    },
  }
}
