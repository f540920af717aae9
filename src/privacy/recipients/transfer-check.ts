// Pure, with no server imports: the web UI shows the same verdict the gate applies.
import {
  type AdequacyDecision,
  ART49_POINT_TEXT,
  isEea,
  type Recipient,
  SCC_2021_SINCE,
  type TransferGap,
  type TransferVerdict,
} from './recipient.ts'

/** What the verdict reads of a recipient. */
export type TransferFacts = Pick<
  Recipient,
  | 'role'
  | 'country'
  | 'contractDate'
  | 'mechanism'
  | 'dpfCertifiedOn'
  | 'sccModule'
  | 'sccDate'
  | 'bcrReference'
  | 'derogation'
  | 'retiredAt'
>

/** Adds a number of years to a YYYY-MM-DD date (29 February → 1 March), as YYYY-MM-DD. */
function plusYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  const shifted = new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate()))
  return shifted.toISOString().slice(0, 10)
}

/**
 * Whether personal data may be disclosed to the recipient on `today` (YYYY-MM-DD), on which ground,
 * and — if not — every gap, each naming the recipient's property it concerns:
 * - a processor needs its Art. 28(3) contract, joint controllers their Art. 26 arrangement (the date);
 * - inside the EEA nothing more (no transfer in the sense of Chapter V);
 * - outside it one valid mechanism (Art. 44): an adequacy decision in force for the country
 *   (Art. 45; the US one only with the recipient's Data Privacy Framework certification, renewed
 *   yearly), SCC of 2021/914 with module and date (Art. 46(2)(c)), BCR with their approval
 *   (Art. 47), or an Art. 49(1) derogation with its point and reason;
 * - a retired recipient receives nothing.
 */
export function transferVerdict(
  recipient: TransferFacts,
  decisions: readonly AdequacyDecision[],
  today: string,
): TransferVerdict {
  const missing: TransferGap[] = []
  const country = recipient.country
  if (recipient.retiredAt) missing.push({ field: 'retiredAt', reason: 'the recipient is retired' })
  if (recipient.role === 'processor' && !recipient.contractDate)
    missing.push({
      field: 'contractDate',
      reason: 'a processor receives data only under a contract (Art. 28(3)): no contract date is recorded',
    })
  if (recipient.role === 'joint_controller' && !recipient.contractDate)
    missing.push({
      field: 'contractDate',
      reason:
        'joint controllers determine their responsibilities in an arrangement (Art. 26(1)): no date of one is recorded',
    })
  if (isEea(country)) {
    return verdict(missing, false, 'EEA: no transfer to a third country (Art. 44 does not apply)')
  }
  let basis: string | null = null
  const decision = decisions.find((d) => d.country === country)
  const inForce =
    decision && (decision.validUntil === null || decision.validUntil > today) ? decision : undefined
  switch (recipient.mechanism) {
    case 'eea':
    case 'none': {
      const options = inForce
        ? inForce.scope === 'certified'
          ? `the adequacy decision ${inForce.decision} needs the recipient's certification under the EU-US Data Privacy Framework; else SCC, BCR or an Art. 49 derogation`
          : `record the adequacy decision ${inForce.decision}, SCC, BCR or an Art. 49 derogation`
        : 'SCC, BCR or an Art. 49 derogation'
      missing.push({
        field: 'mechanism',
        reason: `${country} is outside the EEA and no transfer mechanism is recorded (Art. 44): ${options}`,
      })
      break
    }
    case 'adequacy': {
      if (!decision) {
        missing.push({
          field: 'mechanism',
          reason: `there is no adequacy decision for ${country} (Art. 45): SCC, BCR or an Art. 49 derogation is needed`,
        })
        break
      }
      if (!inForce) {
        missing.push({
          field: 'mechanism',
          reason: `the adequacy decision ${decision.decision} for ${country} is no longer in force (since ${decision.validUntil}): SCC, BCR or an Art. 49 derogation is needed`,
        })
        break
      }
      if (inForce.scope === 'certified') {
        if (!recipient.dpfCertifiedOn) {
          missing.push({
            field: 'dpfCertifiedOn',
            reason: `${country} recipient without certification under the EU-US Data Privacy Framework: the adequacy decision ${inForce.decision} covers only certified organisations; record the certification or use SCC`,
          })
          break
        }
        // The framework's certification is renewed every year; a lapsed one is no ground.
        if (plusYears(recipient.dpfCertifiedOn, 1) <= today) {
          missing.push({
            field: 'dpfCertifiedOn',
            reason: `the Data Privacy Framework certification confirmed on ${recipient.dpfCertifiedOn} is over a year old: confirm its renewal on the DPF list, or use SCC`,
          })
          break
        }
        basis = `Art. 45: adequacy decision ${inForce.decision} (EU-US Data Privacy Framework), certified (confirmed ${recipient.dpfCertifiedOn})`
        break
      }
      basis = `Art. 45: adequacy decision ${inForce.decision} (${inForce.name.en})`
      break
    }
    case 'scc': {
      if (recipient.sccModule === null)
        missing.push({ field: 'sccModule', reason: 'standard contractual clauses need their module (1-4)' })
      if (!recipient.sccDate)
        missing.push({
          field: 'sccDate',
          reason: 'standard contractual clauses need the date they were signed',
        })
      else if (recipient.sccDate < SCC_2021_SINCE)
        missing.push({
          field: 'sccDate',
          reason: `clauses signed before ${SCC_2021_SINCE} are the repealed ones (2001/497/EC, 2010/87/EU), void since 2022-12-27: sign those of Implementing Decision (EU) 2021/914`,
        })
      if (recipient.sccModule !== null && recipient.sccDate && recipient.sccDate >= SCC_2021_SINCE)
        basis = `Art. 46(2)(c): standard contractual clauses (EU) 2021/914, module ${recipient.sccModule}, signed ${recipient.sccDate}`
      break
    }
    case 'bcr': {
      if (!recipient.bcrReference)
        missing.push({
          field: 'bcrReference',
          reason:
            'binding corporate rules need the reference of their approval by a supervisory authority (Art. 47(1))',
        })
      else basis = `Art. 46(2)(b), 47: binding corporate rules (${recipient.bcrReference})`
      break
    }
    case 'derogation_49': {
      if (!recipient.derogation)
        missing.push({
          field: 'derogation',
          reason:
            'an Art. 49(1) derogation needs its point (a-g, or the second subparagraph) and the reason it applies',
        })
      else basis = `${ART49_POINT_TEXT[recipient.derogation.point]} — ${recipient.derogation.reason}`
      break
    }
  }
  return verdict(missing, true, basis)
}

function verdict(missing: TransferGap[], thirdCountry: boolean, basis: string | null): TransferVerdict {
  return { lawful: missing.length === 0, thirdCountry, basis: missing.length === 0 ? basis : null, missing }
}

/** The day `now` is, in UTC (YYYY-MM-DD): the date the verdict compares. */
export const dayOf = (now: Date): string => now.toISOString().slice(0, 10)
