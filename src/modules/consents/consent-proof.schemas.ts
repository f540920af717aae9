import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'
import { Objection } from '../../privacy/permissions/permission.schemas.ts'
import { CONSENT_EVENT_KINDS, DENIAL_RULES } from '../../privacy/permissions/permission-rules.ts'

const timestamp = Type.String({ format: 'date-time' })
const actor = Type.Object(
  {
    type: Type.String({ description: 'user, token, job, subject or system.' }),
    id: Type.String({ description: 'The user, token or job id.' }),
    name: Type.Optional(
      Type.String({ description: 'For a user: the name (or e-mail address) of the staff member.' }),
    ),
  },
  { description: 'Who recorded it (the collecting actor).' },
)

export const ConsentProofState = Type.Object({
  purposeKey: Type.String(),
  channel: Type.String(),
  legalBasis: nullable(
    Type.String({ description: 'The purpose’s Art. 6(1) basis (null: unknown purpose).' }),
  ),
  status: Type.Enum(CONSENT_EVENT_KINDS, { description: 'The latest event.' }),
  since: { ...timestamp, description: 'When the latest event happened: the status holds since then.' },
  expiresAt: nullable({ ...timestamp, description: 'When a given consent lapses (the purpose’s validity).' }),
  counts: Type.Boolean({
    description:
      'Whether the consent counts now: given (and confirmed where double opt-in applies), not withdrawn, not lapsed. Objections and restriction are separate.',
  }),
  rule: Type.Optional(Type.Enum(DENIAL_RULES, { description: 'Why it does not count, when it does not.' })),
  requestedAt: nullable(timestamp),
  grantedAt: nullable(timestamp),
  confirmedAt: nullable(timestamp),
  withdrawnAt: nullable(timestamp),
  expiredAt: nullable(timestamp),
})
export type ConsentProofState = Static<typeof ConsentProofState>

export const ConsentProofEvent = Type.Object({
  at: timestamp,
  purposeKey: Type.String(),
  purposeVersion: Type.Integer({ description: 'The version of the purpose when it happened.' }),
  channel: Type.String(),
  kind: Type.Enum(CONSENT_EVENT_KINDS),
  source: nullable(Type.String({ description: 'How it reached us (form, phone, letter, …).' })),
  proof: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'The proof as recorded (Art. 7(1)): source, formKey, textVersion (the consent text shown), reference (the evidence kept elsewhere: call recording, scanned letter), collectedAt, doi (double opt-in confirmation data).',
  }),
  recordedBy: actor,
  gaps: Type.Array(Type.String(), {
    description: 'What the proof lacks that a DPO would want to see (empty: nothing).',
  }),
})
export type ConsentProofEvent = Static<typeof ConsentProofEvent>

export const ObjectionProofEvent = Type.Object({
  at: timestamp,
  action: Type.String({ description: 'raised or lifted.' }),
  scope: Type.String({ description: 'all_marketing (do not contact), channel or purpose.' }),
  purposeKey: nullable(Type.String()),
  channel: nullable(Type.String()),
  source: Type.String(),
  reference: nullable(Type.String({ description: 'Where the evidence is kept (letter, call note).' })),
  recordedBy: actor,
})
export type ObjectionProofEvent = Static<typeof ObjectionProofEvent>

export const ProofRetention = Type.Object({
  purposeKey: Type.String(),
  channel: Type.String(),
  law: Type.String(),
  period: Type.String({ description: 'ISO 8601 duration.' }),
  lastGivenAt: timestamp,
  lastUsedAt: nullable(timestamp),
  keepUntil: { ...timestamp, description: 'The proof must be kept at least until then.' },
})

export const ConsentProofView = Type.Object({
  subjectId: Type.String({ format: 'uuid' }),
  erased: Type.Boolean(),
  doNotContact: Type.Boolean({
    description:
      'An objection to all direct marketing is in force (Werbewiderspruch, Art. 21(3)): no advertising on any channel, whatever consent says.',
  }),
  consents: Type.Array(ConsentProofState, { description: 'The current state per purpose and channel.' }),
  objections: Type.Array(Objection, { description: 'Objections in force.' }),
  events: Type.Array(ConsentProofEvent, { description: 'Every consent event with its proof, oldest first.' }),
  objectionEvents: Type.Array(ObjectionProofEvent, {
    description: 'Every objection raised or lifted, oldest first.',
  }),
  proofRetention: Type.Array(ProofRetention, {
    description: 'Consents whose proof the law says to keep, and until when (§ 7a UWG).',
  }),
})
export type ConsentProofViewJson = Static<typeof ConsentProofView>

const Iri = Type.String({ description: 'An IRI or a compact IRI (CURIE) of the @context.' })

/** One ISO/IEC TS 27560 consent record (DPV-27560 profile): one per purpose and channel. */
export const ConsentRecord27560 = Type.Object(
  {
    '@id': Iri,
    '@type': Type.Literal('dpv:ConsentRecord'),
    'dct:identifier': Type.String({ description: '27560 record id: subject/purpose/channel.' }),
    'dct:conformsTo': Iri,
    'dct:created': timestamp,
    'dct:modified': timestamp,
    'dpv:hasDataSubject': Type.Object({ '@id': Iri, '@type': Iri, 'dct:identifier': Type.String() }),
    'dpv:hasDataController': Iri,
    'dpv:hasJurisdiction': Iri,
    'dpv:hasApplicableLaw': Iri,
    'dpv:hasLegalBasis': Type.Array(Iri, { description: 'eu-gdpr:A6-1-a etc., and the Art. 9(2) basis.' }),
    'dpv:hasProcess': Type.Record(Type.String(), Type.Unknown(), {
      description: 'The purpose (a DPV purpose concept), personal data, storage and controller.',
    }),
    'dpv:hasNotice': Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description: 'The consent text versions shown (dpv:ConsentNotice).',
    }),
    'dpv:hasConsentControl': Type.Record(Type.String(), Type.Unknown()),
    'dpv:hasConsentStatus': Type.Array(Type.Record(Type.String(), Type.Unknown()), {
      description:
        'The consent events, oldest first: DPV status, time, who indicated it, who recorded it, how, the proof.',
    }),
    'tresor:currentStatus': Iri,
  },
  { additionalProperties: true },
)
export type ConsentRecord27560 = Static<typeof ConsentRecord27560>

export const ConsentRecords27560 = Type.Object({
  '@context': Type.Record(Type.String(), Type.Unknown(), {
    description: 'JSON-LD context: DPV, eu-gdpr, pd, loc, dct prefixes and term types.',
  }),
  '@graph': Type.Array(ConsentRecord27560),
})
export type ConsentRecords27560 = Static<typeof ConsentRecords27560>
