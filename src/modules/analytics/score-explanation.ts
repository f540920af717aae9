import type { KindExplanation, TermExplanation } from '../../privacy/scores/score-store.ts'

/** The score kinds analytics computes: the model-based forecast and the rank-based segments. */
export const SCORE_KINDS = ['clv', 'rfm'] as const
export type ScoreKind = (typeof SCORE_KINDS)[number]

/** What a run is configured with (see `ScoreSettings` in the configuration). */
export interface ExplanationSettings {
  monthlyDiscountRate: number
  horizonMonths: number
  churnHigh: number
  churnMedium: number
  currency: string
}

/** The terms in the order written: a list, since the model row keeps them in jsonb. */
const list = (terms: Record<string, Omit<TermExplanation, 'key'>>): TermExplanation[] =>
  Object.entries(terms).map(([key, term]) => ({ key, ...term }))

const percent = (rate: number) => `${Math.round(rate * 10_000) / 100} %`

/**
 * The words that explain every score (Art. 13(2)(f), 15(1)(h): meaningful information about the
 * logic involved, its significance and the envisaged consequences; CJEU C-203/22: the procedure and
 * principles actually applied), in German and English, with the run's settings written in. Stored
 * with each fitted model, so a score is always explained as it was computed.
 */
export function scoreExplanation(settings: ExplanationSettings): Record<ScoreKind, KindExplanation> {
  const months = settings.horizonMonths
  const rate = percent(settings.monthlyDiscountRate)
  const high = settings.churnHigh
  const medium = settings.churnMedium
  const currency = settings.currency
  return {
    clv: {
      title: { de: 'Kundenwert und Kaufprognose', en: 'Customer value and purchase forecast' },
      meaning: {
        de:
          'Aus der bisherigen Kaufhistorie geschätzt: wie wahrscheinlich die Person noch Kundin oder Kunde ist, ' +
          'wie viele Käufe in den nächsten 30 und 90 Tagen zu erwarten sind, wie wahrscheinlich mindestens ein ' +
          `Kauf ist und welcher Umsatz in den nächsten ${months} Monaten zu erwarten ist (Kundenwert, abgezinst mit ` +
          `${rate} je Monat); daraus das Abwanderungsrisiko. Verwendet nur, um passende Angebote zu machen ` +
          '(Einwilligung „Profilbildung für persönliche Angebote“); keine Entscheidung mit rechtlicher oder ähnlich ' +
          'erheblicher Wirkung beruht allein darauf. Ein Widerruf oder Widerspruch löscht die Werte sofort.',
        en:
          'Estimated from the purchase history so far: how likely the person still is a customer, how many purchases ' +
          'to expect in the next 30 and 90 days, how likely at least one purchase is, and what revenue to expect over ' +
          `the next ${months} months (customer lifetime value, discounted at ${rate} a month); from it the churn risk. ` +
          'Used only to make offers that fit (consent "Profiling for personalised offers"); no decision with legal or ' +
          'similarly significant effect rests on it alone. A withdrawal or objection deletes the values at once.',
      },
      model: {
        de:
          'BG/NBD-Modell (Fader, Hardie & Lee 2005): Solange jemand Kunde ist, kauft er in zufälligen Abständen mit ' +
          'einer persönlichen Rate und kann nach jedem Wiederholungskauf mit einer persönlichen Wahrscheinlichkeit ' +
          'abwandern; Gamma-Gamma-Modell (Fader, Hardie & Lee 2005; Fader & Hardie 2013) für den Betrag je Kauf. Die ' +
          'Parameter werden per Maximum-Likelihood aus den zusammengefassten Kaufhistorien aller Kundinnen und Kunden ' +
          'geschätzt (ohne Personenbezug) und dann auf die Historie dieser Person angewendet. Zeiteinheit: Wochen; ' +
          'mehrere Bestellungen an einem Tag zählen als ein Kauf; stornierte und retournierte Bestellungen zählen nicht. ' +
          `Abwanderungsrisiko: hoch bei P(aktiv) unter ${high}, mittel unter ${medium}, sonst niedrig. Wer nur an einem ` +
          'Tag gekauft hat, gilt im Modell als aktiv (P(aktiv) = 1), weil man erst nach einem Wiederholungskauf abwandern ' +
          'kann; die erwarteten Käufe sinken dennoch mit der Zeit.',
        en:
          'BG/NBD model (Fader, Hardie & Lee 2005): while someone is a customer, they buy at random times at a rate of ' +
          'their own, and after each repeat purchase they may drop out with a probability of their own; Gamma-Gamma ' +
          'model (Fader, Hardie & Lee 2005; Fader & Hardie 2013) for the amount per purchase. The parameters are ' +
          'estimated by maximum likelihood from the grouped purchase histories of all customers (naming no one), then ' +
          "applied to this person's history. Time unit: weeks; several orders on one day count as one purchase; " +
          `cancelled and returned orders don't count. Churn risk: high when P(alive) is below ${high}, medium below ` +
          `${medium}, low otherwise. Someone who bought on one day only counts as alive in the model (P(alive) = 1), ` +
          'since a customer can drop out only after a repeat purchase; their expected purchases still fall with time.',
      },
      outputs: list({
        pAlive: {
          label: { de: 'P(aktiv)', en: 'P(alive)' },
          meaning: {
            de: 'Wahrscheinlichkeit, dass die Person noch Kundin oder Kunde ist (0 bis 1).',
            en: 'The probability that the person is still a customer (0 to 1).',
          },
          unit: 'probability',
        },
        expectedPurchases30d: {
          label: { de: 'Erwartete Käufe in 30 Tagen', en: 'Expected purchases, next 30 days' },
          meaning: {
            de: 'Im Mittel zu erwartende Zahl der Kauftage in den nächsten 30 Tagen.',
            en: 'The expected number of purchase days in the next 30 days.',
          },
          unit: 'purchases',
        },
        expectedPurchases90d: {
          label: { de: 'Erwartete Käufe in 90 Tagen', en: 'Expected purchases, next 90 days' },
          meaning: {
            de: 'Im Mittel zu erwartende Zahl der Kauftage in den nächsten 90 Tagen.',
            en: 'The expected number of purchase days in the next 90 days.',
          },
          unit: 'purchases',
        },
        purchaseProbability30d: {
          label: { de: 'Kaufwahrscheinlichkeit 30 Tage', en: 'Purchase probability, 30 days' },
          meaning: {
            de: 'Wahrscheinlichkeit mindestens eines Kaufs in den nächsten 30 Tagen.',
            en: 'The probability of at least one purchase in the next 30 days.',
          },
          unit: 'probability',
        },
        purchaseProbability90d: {
          label: { de: 'Kaufwahrscheinlichkeit 90 Tage', en: 'Purchase probability, 90 days' },
          meaning: {
            de: 'Wahrscheinlichkeit mindestens eines Kaufs in den nächsten 90 Tagen.',
            en: 'The probability of at least one purchase in the next 90 days.',
          },
          unit: 'probability',
        },
        expectedSpend: {
          label: { de: 'Erwarteter Betrag je Kauf', en: 'Expected amount per purchase' },
          meaning: {
            de: 'Gamma-Gamma: gewichtetes Mittel aus dem eigenen Durchschnittsbetrag und dem aller Kunden; je mehr Käufe, desto mehr zählt der eigene.',
            en: "Gamma-Gamma: a weighted mean of the person's own average amount and everyone's; the more purchases, the more their own counts.",
          },
          unit: currency,
        },
        clv: {
          label: { de: `Kundenwert ${months} Monate`, en: `Customer lifetime value, ${months} months` },
          meaning: {
            de: `Erwarteter Umsatz der nächsten ${months} Monate, Monat für Monat mit ${rate} abgezinst.`,
            en: `Expected revenue over the next ${months} months, discounted month by month at ${rate}.`,
          },
          unit: currency,
        },
        churnRisk: {
          label: { de: 'Abwanderungsrisiko', en: 'Churn risk' },
          meaning: {
            de: `hoch: P(aktiv) unter ${high}; mittel: unter ${medium}; niedrig: ab ${medium}.`,
            en: `high: P(alive) below ${high}; medium: below ${medium}; low: ${medium} or more.`,
          },
        },
      }),
      inputs: list({
        repeatPurchases: {
          label: { de: 'Wiederholungskäufe', en: 'Repeat purchases' },
          meaning: {
            de: 'Kauftage nach dem ersten (Häufigkeit x).',
            en: 'Purchase days after the first (frequency x).',
          },
          unit: 'purchases',
        },
        recencyWeeks: {
          label: { de: 'Letzter Kauf nach (Wochen)', en: 'Last purchase after (weeks)' },
          meaning: {
            de: 'Wochen vom ersten bis zum letzten Kauftag (t_x).',
            en: 'Weeks from the first purchase day to the last (t_x).',
          },
          unit: 'weeks',
        },
        ageWeeks: {
          label: { de: 'Kunde seit (Wochen)', en: 'Customer for (weeks)' },
          meaning: {
            de: 'Wochen vom ersten Kauftag bis zur Berechnung (T).',
            en: 'Weeks from the first purchase day to the computation (T).',
          },
          unit: 'weeks',
        },
        meanRepeatSpend: {
          label: { de: 'Durchschnittsbetrag der Wiederholungskäufe', en: 'Mean amount of repeat purchases' },
          meaning: {
            de: 'Umsatz der Kauftage nach dem ersten, geteilt durch ihre Zahl (0 ohne Wiederholungskauf).',
            en: 'Revenue of the purchase days after the first, divided by their number (0 without a repeat purchase).',
          },
          unit: currency,
        },
      }),
    },
    rfm: {
      title: { de: 'RFM-Segment und ABC-Klasse', en: 'RFM segment and ABC class' },
      meaning: {
        de:
          'Einordnung nach Aktualität, Häufigkeit und Umsatz der Käufe (je 1 bis 5, 5 = am besten) und nach dem ' +
          'Anteil am Gesamtumsatz (A, B, C), im Vergleich zu allen Kundinnen und Kunden. Verwendet nur, um passende ' +
          'Angebote zu machen; keine Entscheidung mit rechtlicher oder ähnlich erheblicher Wirkung beruht allein darauf.',
        en:
          'Where the person stands by how recently, how often and how much they bought (1 to 5 each, 5 = best) and by ' +
          'their share of all revenue (A, B, C), compared with all customers. Used only to make offers that fit; no ' +
          'decision with legal or similarly significant effect rests on it alone.',
      },
      model: {
        de:
          'RFM-Quintile: Die Grenzen bei 20, 40, 60 und 80 % werden aus allen Kundinnen und Kunden bestimmt ' +
          '(zusammengefasst, ohne Personenbezug): Tage seit dem letzten Kauf (weniger ist besser), Zahl der ' +
          'Bestellungen, Umsatz. ABC: alle nach Umsatz absteigend; A sind die, die zusammen die ersten 80 % des ' +
          'Umsatzes ausmachen, B die nächsten 15 %, C der Rest. Stornierte und retournierte Bestellungen zählen nicht.',
        en:
          'RFM quintiles: the cut points at 20, 40, 60 and 80 % are taken from all customers (aggregated, naming no ' +
          'one): days since the last purchase (fewer is better), number of orders, revenue. ABC: everyone by revenue, ' +
          'highest first; A are those who together make the first 80 % of revenue, B the next 15 %, C the rest. ' +
          "Cancelled and returned orders don't count.",
      },
      outputs: list({
        recency: {
          label: { de: 'Aktualität (R)', en: 'Recency (R)' },
          meaning: {
            de: '5: zuletzt gekauft unter den jüngsten 20 %.',
            en: '5: among the 20 % who bought most recently.',
          },
        },
        frequency: {
          label: { de: 'Häufigkeit (F)', en: 'Frequency (F)' },
          meaning: {
            de: '5: unter den 20 % mit den meisten Bestellungen.',
            en: '5: among the 20 % with the most orders.',
          },
        },
        monetary: {
          label: { de: 'Umsatz (M)', en: 'Monetary (M)' },
          meaning: {
            de: '5: unter den 20 % mit dem höchsten Umsatz.',
            en: '5: among the 20 % with the highest revenue.',
          },
        },
        abc: {
          label: { de: 'ABC-Klasse', en: 'ABC class' },
          meaning: {
            de: 'A: gehört zu den Kunden mit den ersten 80 % des Umsatzes; B: den nächsten 15 %; C: dem Rest.',
            en: 'A: among the customers making the first 80 % of revenue; B: the next 15 %; C: the rest.',
          },
        },
      }),
      inputs: list({
        daysSinceLastPurchase: {
          label: { de: 'Tage seit dem letzten Kauf', en: 'Days since the last purchase' },
          meaning: { de: 'Bis zur Berechnung.', en: 'Until the computation.' },
          unit: 'days',
        },
        orders: {
          label: { de: 'Bestellungen', en: 'Orders' },
          meaning: { de: 'Gezählte Bestellungen.', en: 'Orders counted.' },
          unit: 'orders',
        },
        revenue: {
          label: { de: 'Umsatz', en: 'Revenue' },
          meaning: { de: 'Summe der gezählten Bestellungen.', en: 'Sum of the orders counted.' },
          unit: currency,
        },
      }),
    },
  }
}
