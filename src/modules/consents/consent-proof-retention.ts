/**
 * The § 7a UWG keep-until rule of consent proof lives in the kernel (the erasure's legal holds
 * need it: src/privacy/holds); the consent module shows it.
 */
export {
  CONSENT_PROOF_RETENTION,
  type ConsentProofRetention,
  type ConsentProofRetentionRule,
  consentProofRetention,
  keepProofUntil,
  retainedChannels,
} from '../../privacy/permissions/consent-proof-retention.ts'
