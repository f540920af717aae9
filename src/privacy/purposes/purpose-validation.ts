import type { FieldError } from '../../platform/problem.ts'
import { isIsoDuration } from './iso-duration.ts'
import {
  ART9_BASES,
  BUSINESS_KINDS,
  CHANNELS,
  DPV_LEGAL_BASIS,
  ELECTRONIC_MAIL_CHANNELS,
  LEGAL_BASES,
  type PurposeDefinition,
  UNOBJECTABLE_BASES,
} from './purpose.ts'

const KEY = /^[a-z][a-z0-9_]{1,62}$/
const CURIE = /^[a-z][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9_.-]*$/

/**
 * What is wrong with a purpose definition, as field errors (empty when it is valid). The rules a
 * schema can't express: the law's combinations of basis, channels, consent and marketing.
 */
export function purposeProblems(purpose: PurposeDefinition, where = 'body'): FieldError[] {
  const errors: FieldError[] = []
  const add = (field: string, reason: string) => errors.push({ in: where, field, reason })

  if (!KEY.test(purpose.key)) add('key', 'must be snake_case: a-z, 0-9 and _, 2 to 63 characters')
  // Art. 6(1): exactly one basis; the type makes it one, this makes it a known one.
  if (!LEGAL_BASES.includes(purpose.legalBasis))
    add('legalBasis', `must be one of: ${LEGAL_BASES.join(', ')}`)
  if (purpose.art9Basis !== null && !ART9_BASES.includes(purpose.art9Basis))
    add('art9Basis', `must be null or one of: ${ART9_BASES.join(', ')}`)

  if (purpose.channels.length === 0) add('channels', 'must name at least one channel')
  if (new Set(purpose.channels).size !== purpose.channels.length) add('channels', 'must not repeat a channel')
  if (purpose.channels.some((c) => !CHANNELS.includes(c)))
    add('channels', `must be of: ${CHANNELS.join(', ')}`)

  const consentBased = purpose.legalBasis === 'consent' || purpose.art9Basis === 'explicit_consent'
  // LEGAL.md, "Consent": e-mail consent is proven by double opt-in.
  if (consentBased && purpose.channels.includes('email') && !purpose.doubleOptIn)
    add('doubleOptIn', 'must be true: consent to e-mail is proven by double opt-in')
  if (!consentBased && purpose.doubleOptIn)
    add('doubleOptIn', 'applies only to purposes that rest on consent')
  if (!consentBased && purpose.consentValidity !== null)
    add('consentValidity', 'applies only to purposes that rest on consent')
  if (purpose.consentValidity !== null && !isIsoDuration(purpose.consentValidity))
    add('consentValidity', 'must be an ISO 8601 duration such as P12M, or null')

  // Art. 21(2)-(3), § 7 UWG: direct marketing rests on consent or legitimate interest, never on a
  // contract or a legal duty.
  if (
    purpose.directMarketing &&
    (UNOBJECTABLE_BASES.includes(purpose.legalBasis) || purpose.legalBasis === 'public_task')
  )
    add('directMarketing', 'direct marketing can only rest on consent or legitimate interest')
  // § 7(2) No. 2 UWG: advertising by e-mail or SMS needs prior express consent (businesses too;
  // presumed consent is for B2B phone calls only, § 7(2) No. 1). On legitimate interest the one
  // way is § 7(3): own customers whose address was obtained in a sale (LEGAL.md, "Direct
  // marketing channels").
  const legitimateMarketing = purpose.directMarketing && purpose.legalBasis === 'legitimate_interest'
  if (
    legitimateMarketing &&
    !purpose.existingCustomers &&
    purpose.channels.some((c) => ELECTRONIC_MAIL_CHANNELS.includes(c))
  )
    add(
      'existingCustomers',
      'must be true: advertising by e-mail or SMS needs prior express consent (§ 7(2) No. 2 UWG); without consent it may only reach existing customers whose address was obtained in a sale (§ 7(3) UWG). Otherwise rest the purpose on consent or drop e-mail and SMS',
    )
  if (purpose.existingCustomers && !legitimateMarketing)
    add(
      'existingCustomers',
      'applies only to direct marketing on legitimate interest (the § 7(3) UWG exception to consent)',
    )
  if (purpose.existingCustomers && purpose.channels.some((c) => !ELECTRONIC_MAIL_CHANNELS.includes(c)))
    add('existingCustomers', 'applies only to the channels email and sms (§ 7(3) UWG, electronic mail)')
  if (purpose.profiling && purpose.legalBasis === 'legal_obligation')
    add('profiling', 'profiling is never a legal obligation')

  // The scope (Art. 5(1)(b)-(c), Art. 18(2)).
  const scope = purpose.scope
  // § 7(2) No. 1 UWG: advertising calls to consumers need prior express consent; on legitimate
  // interest (presumed consent) a purpose may call businesses only.
  if (
    legitimateMarketing &&
    purpose.channels.includes('phone') &&
    (scope.subjectKinds.length === 0 || scope.subjectKinds.some((k) => !BUSINESS_KINDS.includes(k)))
  )
    add(
      'scope.subjectKinds',
      `must name only ${BUSINESS_KINDS.join(', ')}: advertising calls without consent may reach businesses only (presumed consent, § 7(2) No. 1 UWG); consumers must consent first`,
    )
  if (scope.fieldCategories.length === 0)
    add(
      'scope.fieldCategories',
      'must name at least one field category: a purpose that uses no data has no use',
    )
  // Art. 18(2): "with the data subject's consent" — only a purpose that rests on consent can claim it.
  if (scope.restrictionException === 'consent' && !consentBased)
    add(
      'scope.restrictionException',
      'consent is a ground only for purposes that rest on consent (Art. 18(2))',
    )
  if (purpose.retention.period !== null && !isIsoDuration(purpose.retention.period))
    add('retention.period', 'must be an ISO 8601 duration such as P8Y or P6M, or null')
  if (!purpose.retention.rule.de.trim() || !purpose.retention.rule.en.trim())
    add('retention.rule', 'must say the rule in German and English')
  for (const lang of ['de', 'en'] as const) {
    if (!purpose.name[lang].trim()) add(`name.${lang}`, 'must not be empty')
    if (!purpose.description[lang].trim()) add(`description.${lang}`, 'must not be empty')
  }

  if (!CURIE.test(purpose.dpvPurpose)) add('dpvPurpose', 'must be a DPV CURIE such as dpv:DirectMarketing')
  if (!CURIE.test(purpose.dpvLegalBasis)) add('dpvLegalBasis', 'must be a DPV CURIE such as eu-gdpr:A6-1-a')
  else if (
    LEGAL_BASES.includes(purpose.legalBasis) &&
    /^eu-gdpr:A6-1-/.test(purpose.dpvLegalBasis) &&
    !purpose.dpvLegalBasis.startsWith(DPV_LEGAL_BASIS[purpose.legalBasis])
  )
    add('dpvLegalBasis', `names another Art. 6(1) basis than ${purpose.legalBasis}`)
  return errors
}
