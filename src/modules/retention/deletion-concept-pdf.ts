import { openA4Pdf } from '../../platform/pdf.ts'
import type { DeletionConceptDocument } from './deletion-concept.ts'

const MARGIN = 56
const LABEL_WIDTH = 150

/**
 * The deletion concept as a PDF (A4, the standard Helvetica fonts: their WinAnsi encoding has the
 * German umlauts, ß and §). Resolves when the whole file is written.
 */
export async function deletionConceptPdf(
  doc: DeletionConceptDocument,
  controllerName: string | undefined,
): Promise<Buffer> {
  const { pdf, done } = await openA4Pdf({
    lang: doc.lang,
    title: doc.title,
    margin: MARGIN,
    author: controllerName,
    subject: doc.lang === 'de' ? 'Löschkonzept nach DIN 66398' : 'Deletion concept (DIN 66398)',
  })
  const width = pdf.page.width - 2 * MARGIN

  /** A label and its value side by side; the row starts on a new page when it wouldn't fit. */
  const row = (label: string, value: string) => {
    pdf.font('Helvetica').fontSize(10)
    const height = Math.max(
      pdf.heightOfString(value, { width: width - LABEL_WIDTH }),
      pdf.font('Helvetica-Bold').heightOfString(label, { width: LABEL_WIDTH - 8 }),
    )
    if (pdf.y + height > pdf.page.height - MARGIN) pdf.addPage()
    const y = pdf.y
    pdf.font('Helvetica-Bold').text(label, MARGIN, y, { width: LABEL_WIDTH - 8 })
    pdf.font('Helvetica').text(value, MARGIN + LABEL_WIDTH, y, { width: width - LABEL_WIDTH })
    pdf.x = MARGIN
    pdf.y = y + height + 4
  }

  pdf.font('Helvetica-Bold').fontSize(20).text(doc.title, { width })
  pdf.moveDown(0.5)
  for (const meta of doc.meta) row(meta.label, meta.value)
  pdf.moveDown(0.5)
  pdf.font('Helvetica').fontSize(10)
  for (const paragraph of doc.intro) {
    pdf.text(paragraph, { width, align: 'left' })
    pdf.moveDown(0.5)
  }
  pdf.font('Helvetica-Oblique').text(doc.disclaimer, { width })

  for (const group of doc.groups) {
    pdf.moveDown(1)
    if (pdf.y > pdf.page.height - MARGIN - 120) pdf.addPage()
    pdf.font('Helvetica-Bold').fontSize(14).text(group.heading, MARGIN, pdf.y, { width })
    for (const rule of group.rules) {
      pdf.moveDown(0.5)
      if (pdf.y > pdf.page.height - MARGIN - 80) pdf.addPage()
      pdf
        .font('Helvetica-Bold')
        .fontSize(11)
        .text(`${rule.name} (${rule.key}, v${rule.version})`, MARGIN, pdf.y, { width })
      pdf.moveDown(0.25)
      for (const r of rule.rows) row(r.label, r.value)
    }
  }
  pdf.end()
  return done
}
