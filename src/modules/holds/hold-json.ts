import type { HoldState } from '../../privacy/holds/hold.service.ts'
import { type ErasureAnswer, erasureAnswerText, type Hold, type KeptPart } from '../../privacy/holds/hold.ts'
import type { ErasureAnswerJson, HoldJson } from './hold.schemas.ts'

const iso = (d: Date | null) => d?.toISOString() ?? null

/** What a hold keeps of the records, counted per kind (null: every row of the kind). */
const recordsOf = (hold: Pick<Hold, 'records'>) =>
  Object.entries(hold.records).map(([kind, keep]) => ({
    kind,
    count: keep === 'all' ? null : (keep as readonly string[]).length,
  }))

/** A hold as the API shows it. */
export function holdJson(h: HoldState): HoldJson {
  return {
    id: h.id,
    inForce: h.inForce,
    source: h.source,
    exception: h.exception,
    law: h.law,
    purpose: h.purpose,
    reason: h.reason,
    fields: [...h.fields],
    categories: [...h.categories],
    records: recordsOf(h),
    consentProof: h.consentProof,
    until: iso(h.until),
    untilEvent: h.untilEvent,
    ...(h.entered
      ? {
          entered: {
            ground: h.entered.ground,
            setBy: h.entered.setBy,
            createdAt: h.entered.createdAt.toISOString(),
            liftedAt: iso(h.entered.liftedAt),
            liftedBy: h.entered.liftedBy,
          },
        }
      : {}),
  }
}

const keptJson = (k: KeptPart) => ({ ...k, until: iso(k.until) })

/** The answer to the person as the API returns it, with its words in German and English. */
export function erasureAnswerJson(a: ErasureAnswer): ErasureAnswerJson {
  return {
    subjectId: a.subjectId,
    erasedAt: a.erasedAt.toISOString(),
    outcome: a.outcome,
    erased: a.erased,
    kept: a.kept.map(keptJson),
    restrictedTo: a.restrictedTo,
    text: { de: erasureAnswerText(a, 'de'), en: erasureAnswerText(a, 'en') },
  }
}
