import type { PermissionSource } from '../../privacy/permissions/permission.schemas.ts'
import type { ConsentEventKind } from '../../privacy/permissions/permission-rules.ts'
import { type Channel, DPV_LEGAL_BASIS, type Purpose } from '../../privacy/purposes/purpose.ts'
import type {
  ConsentProofEvent,
  ConsentProofState,
  ConsentProofViewJson,
  ConsentRecord27560,
  ConsentRecords27560,
} from './consent-proof.schemas.ts'
import {
  APPLICABLE_LAW,
  ART9_BASIS_TERMS,
  CHANNEL_PERSONAL_DATA,
  CONSENT_EVENT_INDICATED_BY,
  CONSENT_RECORD_CONTEXT,
  CONSENT_STATUS_TERMS,
  CONSENT_TYPE_TERMS,
  CONTROLLER,
  DPV_27560_RECORD_PROFILE,
  GIVING_KINDS,
  INDICATION_METHODS,
  JURISDICTION,
} from './dpv-terms.ts'

const noticeId = (purposeKey: string, textVersion: string) =>
  `urn:tresor:notice:${encodeURIComponent(purposeKey)}:${encodeURIComponent(textVersion)}`
const entityId = (actor: { type: string; id: string }) =>
  `urn:tresor:${encodeURIComponent(actor.type)}:${encodeURIComponent(actor.id)}`
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/** The Art. 6(1) basis of the purpose, and its Art. 9(2) basis where it has one (DPV terms). */
function legalBasisTerms(purpose: Purpose | undefined): string[] {
  if (!purpose) return [DPV_LEGAL_BASIS.consent]
  return [purpose.dpvLegalBasis, ...(purpose.art9Basis ? [ART9_BASIS_TERMS[purpose.art9Basis]] : [])]
}

/** Art. 9(2)(a) explicit consent where the purpose processes special categories on it. */
const consentType = (purpose: Purpose | undefined) =>
  purpose?.art9Basis === 'explicit_consent' ? CONSENT_TYPE_TERMS.explicit : CONSENT_TYPE_TERMS.regular

/** 27560 "validity duration" of a given consent: the purpose's consent validity, or until withdrawn. */
const validity = (purpose: Purpose | undefined) =>
  purpose?.consentValidity
    ? { '@type': 'dpv:TemporalDuration', 'rdf:value': purpose.consentValidity }
    : { '@type': 'dpv:UntilEventDuration', 'rdf:value': 'until withdrawn (Art. 7(3))' }

/** One consent event as a DPV consent status with its 27560 event fields and the proof verbatim. */
function statusOf(event: ConsentProofEvent, purpose: Purpose | undefined): Record<string, unknown> {
  const kind = event.kind as ConsentEventKind
  const gives = GIVING_KINDS.includes(kind)
  const source = text(event.proof.source) as PermissionSource | undefined
  const method = source ? INDICATION_METHODS[source] : undefined
  const formKey = text(event.proof.formKey)
  const textVersion = text(event.proof.textVersion)
  const reference = text(event.proof.reference)
  return {
    '@type': gives ? [CONSENT_STATUS_TERMS[kind], consentType(purpose)] : CONSENT_STATUS_TERMS[kind],
    'dpv:isIndicatedAtTime': event.at,
    'dpv:isIndicatedBy': CONSENT_EVENT_INDICATED_BY[kind],
    'dpv:isImplementedByEntity': entityId(event.recordedBy),
    ...(method ? { 'dpv:hasIndicationMethod': formKey ? `${method}: ${formKey}` : method } : {}),
    ...(gives ? { 'dpv:hasDuration': validity(purpose) } : {}),
    ...(textVersion ? { 'dpv:hasNotice': noticeId(event.purposeKey, textVersion) } : {}),
    ...(reference ? { 'dct:source': reference } : {}),
    'tresor:purposeVersion': event.purposeVersion,
    'tresor:proof': event.proof,
  }
}

/** The lapse of a given consent whose validity ran out before an expiry event was recorded. */
function lapse(state: ConsentProofState): Record<string, unknown> | null {
  if (state.rule !== 'consent-expired' || state.status === 'expired' || state.expiresAt === null) return null
  return {
    '@type': CONSENT_STATUS_TERMS.expired,
    'dpv:isIndicatedAtTime': state.expiresAt,
    'dpv:isIndicatedBy': CONSENT_EVENT_INDICATED_BY.expired,
    'dct:description':
      'lapsed: the purpose’s consent validity ran out (derived; no expiry event recorded yet)',
  }
}

function record(
  subjectId: string,
  state: ConsentProofState,
  events: readonly ConsentProofEvent[],
  purpose: Purpose | undefined,
): ConsentRecord27560 {
  const statuses = events.map((e) => statusOf(e, purpose))
  const lapsed = lapse(state)
  if (lapsed) statuses.push(lapsed)
  const personalData = CHANNEL_PERSONAL_DATA[state.channel as Channel] ?? null
  const notices = [...new Set(events.flatMap((e) => text(e.proof.textVersion) ?? []))]
  return {
    '@id': `urn:tresor:consent-record:${subjectId}:${encodeURIComponent(state.purposeKey)}:${state.channel}`,
    '@type': 'dpv:ConsentRecord',
    'dct:identifier': `${subjectId}/${state.purposeKey}/${state.channel}`,
    'dct:conformsTo': DPV_27560_RECORD_PROFILE,
    'dct:created': events[0]?.at ?? state.since,
    'dct:modified': state.since,
    'dpv:hasDataSubject': {
      '@id': `urn:uuid:${subjectId}`,
      '@type': 'dpv:DataSubject',
      'dct:identifier': subjectId,
    },
    'dpv:hasDataController': CONTROLLER,
    'dpv:hasJurisdiction': JURISDICTION,
    'dpv:hasApplicableLaw': APPLICABLE_LAW,
    'dpv:hasLegalBasis': legalBasisTerms(purpose),
    'dpv:hasProcess': {
      '@type': 'dpv:Process',
      'dpv:hasPurpose': {
        '@id': `urn:tresor:purpose:${encodeURIComponent(state.purposeKey)}`,
        '@type': purpose?.dpvPurpose ?? 'dpv:Purpose',
        'dct:identifier': state.purposeKey,
        ...(purpose ? { 'dct:title': purpose.name.en, 'dct:description': purpose.description.en } : {}),
      },
      'dpv:hasDataController': CONTROLLER,
      ...(personalData ? { 'dpv:hasPersonalData': personalData } : {}),
      ...(purpose?.retention.period
        ? {
            'dpv:hasStorageCondition': {
              '@type': 'dpv:StorageDuration',
              'dpv:hasDuration': purpose.retention.period,
            },
          }
        : {}),
      'tresor:channel': state.channel,
    },
    'dpv:hasNotice': notices.map((version) => ({
      '@id': noticeId(state.purposeKey, version),
      '@type': 'dpv:ConsentNotice',
      'dct:identifier': version,
    })),
    'dpv:hasConsentControl': {
      '@type': 'dpv:WithdrawConsent',
      'dct:description':
        'withdraw at any time, as easily as given (Art. 7(3)): privacy portal, unsubscribe link, or any message to the controller',
    },
    'dpv:hasConsentStatus': statuses,
    'tresor:currentStatus': lapsed ? CONSENT_STATUS_TERMS.expired : CONSENT_STATUS_TERMS[state.status],
  }
}

/**
 * A subject's consents as ISO/IEC TS 27560 consent records in the DPV-27560 profile (JSON-LD): one
 * record per purpose and channel with every event of it, oldest first. Built from the consent
 * proof view, so the API and the CLI give the same records. Pure.
 */
export function iso27560Records(
  view: ConsentProofViewJson,
  purposes: ReadonlyMap<string, Purpose>,
): ConsentRecords27560 {
  return {
    '@context': CONSENT_RECORD_CONTEXT,
    '@graph': view.consents.map((state) =>
      record(
        view.subjectId,
        state,
        view.events.filter((e) => e.purposeKey === state.purposeKey && e.channel === state.channel),
        purposes.get(state.purposeKey),
      ),
    ),
  }
}
