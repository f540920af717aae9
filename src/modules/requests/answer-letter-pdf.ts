import { openA4Pdf } from '../../platform/pdf.ts'
import type { Lang } from '../forms/client-info.ts'

const MARGIN = 56

/** What the cover letter of a postal answer says. */
export interface AnswerLetter {
  lang: Lang
  /** The controller (sender): name and postal address from the settings. */
  from: { name: string | null; address: string | null }
  /** The person's name and postal address lines; empty when none is on file (written by hand). */
  to: string[]
  date: Date
  receivedAt: Date
  requestId: string
  /** The body: the answer's text (generated, refusal, extension or the enclosure's note). */
  body: string
  /** The DPO's contact, named under the signature. */
  dpo: { name: string | null; email: string | null } | null
}

const T = {
  de: {
    subject: (d: string) => `Ihre Datenschutzanfrage vom ${d}`,
    salutation: 'Guten Tag,',
    closing: 'Mit freundlichen Grüßen',
    dpo: 'Datenschutzbeauftragte/r',
    reference: 'Unser Zeichen',
    noAddress: '(keine Postanschrift gespeichert: bitte von Hand ergänzen)',
  },
  en: {
    subject: (d: string) => `Your data protection request of ${d}`,
    salutation: 'Dear Sir or Madam,',
    closing: 'Kind regards',
    dpo: 'Data protection officer',
    reference: 'Our reference',
    noAddress: '(no postal address on file: please add it by hand)',
  },
} as const

const day = (d: Date, lang: Lang) =>
  new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', {
    day: '2-digit',
    month: lang === 'de' ? '2-digit' : 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d)

/**
 * The answer to a request received by letter, as a letter to print (A4, DIN 5008-like: the
 * sender line, the address field, date, subject, body, closing): the cover letter of a postal
 * answer. The access report, where there is one, is printed from its own PDF and enclosed.
 */
export async function answerLetterPdf(letter: AnswerLetter): Promise<Buffer> {
  const t = T[letter.lang]
  const { pdf, done } = await openA4Pdf({
    lang: letter.lang,
    title: t.subject(day(letter.receivedAt, letter.lang)),
    margin: MARGIN,
    author: letter.from.name,
  })
  const width = pdf.page.width - 2 * MARGIN
  const sender = [letter.from.name, letter.from.address?.replace(/\s*\n\s*/g, ', ')]
    .filter(Boolean)
    .join(' · ')
  pdf.font('Helvetica').fontSize(7.5).text(pdfText(sender), MARGIN, 120, { width: 240 })
  pdf.moveDown(0.6)
  pdf.fontSize(11)
  const to = letter.to.length > 0 ? letter.to : [t.noAddress]
  for (const line of to) pdf.text(pdfText(line), { width: 240 })
  pdf
    .fontSize(10)
    .text(pdfText(day(letter.date, letter.lang)), MARGIN, 250, { width, align: 'right' })
    .text(pdfText(`${t.reference}: dsr:${letter.requestId}`), { width, align: 'right' })
  pdf.moveDown(2)
  pdf
    .font('Helvetica-Bold')
    .fontSize(11)
    .text(pdfText(t.subject(day(letter.receivedAt, letter.lang))), MARGIN, pdf.y, { width })
  pdf.moveDown(1)
  pdf.font('Helvetica').fontSize(10.5).text(t.salutation, { width })
  pdf.moveDown(0.6)
  for (const paragraph of letter.body.split('\n')) {
    pdf.text(pdfText(paragraph), { width })
    pdf.moveDown(0.4)
  }
  pdf.moveDown(1)
  pdf.text(t.closing, { width })
  pdf.moveDown(2)
  if (letter.from.name) pdf.text(pdfText(letter.from.name), { width })
  if (letter.dpo?.name || letter.dpo?.email)
    pdf
      .fontSize(9)
      .text(pdfText(`${t.dpo}: ${[letter.dpo.name, letter.dpo.email].filter(Boolean).join(', ')}`), { width })
  pdf.end()
  return done
}

/** Characters outside WinAnsi (the standard fonts' encoding) would print as garbage: replaced. */
function pdfText(text: string): string {
  return text.replace(/[‐‑‒–—]/g, '-').replace(/[^\t\n\r\x20-\x7e\xa0-\xff€„“”‘’•…§]/g, '?')
}
