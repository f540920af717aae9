import type { AdequacyDecision } from './recipient.ts'

const full = (de: string, en: string) => ({ de, en })

/**
 * The Commission's adequacy decisions (Art. 45(3)) as LEGAL.md lists them ("Transfers outside the
 * EU/EEA", as of 2025): the seed of `adequacy_decision`. Seeded at every start without overwriting
 * what the DPO set (a `validUntil` when a court invalidates a decision or it runs out); the DPO
 * reviews the list (`GET /api/v1/adequacy-decisions`, `tresor recipients adequacy`).
 *
 * The United States: the decision of 10 July 2023 ((EU) 2023/1795, the EU-US Data Privacy
 * Framework) covers only organisations certified under the framework — a recipient in the US needs
 * its certification recorded (`dpfCertifiedOn`), else SCC, BCR or a derogation. Its predecessor,
 * the Privacy Shield (2016/1250), was invalidated by the Court of Justice on 16 July 2020
 * (C-311/18, "Schrems II") and is not in the list.
 */
export const ADEQUACY_SEED: readonly AdequacyDecision[] = [
  {
    country: 'AD',
    name: full('Andorra', 'Andorra'),
    decision: '2010/625/EU',
    adoptedOn: '2010-10-19',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'AR',
    name: full('Argentinien', 'Argentina'),
    decision: '2003/490/EC',
    adoptedOn: '2003-06-30',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'CA',
    name: full('Kanada', 'Canada'),
    decision: '2002/2/EC',
    adoptedOn: '2001-12-20',
    scope: 'commercial',
    note: full(
      'Nur Organisationen, die unter das PIPEDA fallen (kommerzielle Tätigkeit).',
      'Only organisations subject to PIPEDA (commercial activities).',
    ),
    validUntil: null,
  },
  {
    country: 'FO',
    name: full('Färöer', 'Faroe Islands'),
    decision: '2010/146/EU',
    adoptedOn: '2010-03-05',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'GG',
    name: full('Guernsey', 'Guernsey'),
    decision: '2003/821/EC',
    adoptedOn: '2003-11-21',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'IL',
    name: full('Israel', 'Israel'),
    decision: '2011/61/EU',
    adoptedOn: '2011-01-31',
    scope: 'full',
    note: full('Automatisierte internationale Übermittlungen.', 'Automated international transfers.'),
    validUntil: null,
  },
  {
    country: 'IM',
    name: full('Isle of Man', 'Isle of Man'),
    decision: '2004/411/EC',
    adoptedOn: '2004-04-28',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'JP',
    name: full('Japan', 'Japan'),
    decision: '(EU) 2019/419',
    adoptedOn: '2019-01-23',
    scope: 'commercial',
    note: full(
      'Private Organisationen unter dem APPI, mit den Zusatzregeln der PPC.',
      'Private organisations under the APPI, with the PPC’s supplementary rules.',
    ),
    validUntil: null,
  },
  {
    country: 'JE',
    name: full('Jersey', 'Jersey'),
    decision: '2008/393/EC',
    adoptedOn: '2008-05-08',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'NZ',
    name: full('Neuseeland', 'New Zealand'),
    decision: '2013/65/EU',
    adoptedOn: '2012-12-19',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'KR',
    name: full('Republik Korea', 'Republic of Korea'),
    decision: '(EU) 2022/254',
    adoptedOn: '2021-12-17',
    scope: 'full',
    note: full(
      'Stellen unter dem PIPA (ohne Finanzaufsicht unterliegende Kreditinformationen).',
      'Entities under the PIPA (not credit information under the financial supervisor).',
    ),
    validUntil: null,
  },
  {
    country: 'CH',
    name: full('Schweiz', 'Switzerland'),
    decision: '2000/518/EC',
    adoptedOn: '2000-07-26',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'GB',
    name: full('Vereinigtes Königreich', 'United Kingdom'),
    decision: '(EU) 2021/1772',
    adoptedOn: '2021-06-28',
    scope: 'full',
    note: full(
      'Befristet (Verfallsklausel): Verlängerung prüfen und hier eintragen.',
      'Time-limited (sunset clause): check its renewal and record it here.',
    ),
    validUntil: null,
  },
  {
    country: 'UY',
    name: full('Uruguay', 'Uruguay'),
    decision: '2012/484/EU',
    adoptedOn: '2012-08-21',
    scope: 'full',
    note: full('Ganzes Land.', 'The whole country.'),
    validUntil: null,
  },
  {
    country: 'US',
    name: full('Vereinigte Staaten', 'United States'),
    decision: '(EU) 2023/1795',
    adoptedOn: '2023-07-10',
    scope: 'certified',
    note: full(
      'Nur unter dem EU-US Data Privacy Framework zertifizierte Organisationen (Zertifizierung jährlich zu erneuern). Das Privacy Shield ist seit dem 16.07.2020 ungültig (C-311/18, „Schrems II“).',
      'Only organisations certified under the EU-US Data Privacy Framework (certification renewed yearly). The Privacy Shield is invalid since 16 July 2020 (C-311/18, "Schrems II").',
    ),
    validUntil: null,
  },
]
