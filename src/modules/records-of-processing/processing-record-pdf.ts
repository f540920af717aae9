import { openA4Pdf } from '../../platform/pdf.ts'
import type { ProcessingRecordDocument } from './processing-record-document.ts'

const MARGIN = 56
const LABEL_WIDTH = 150

/**
 * The record as a PDF (A4, the standard Helvetica fonts: their WinAnsi encoding has the German
 * umlauts, ß and §; characters outside it are replaced). Resolves when the whole file is written.
 */
export async function processingRecordPdf(
  doc: ProcessingRecordDocument,
  author: string | undefined,
): Promise<Buffer> {
  const { pdf, done } = await openA4Pdf({
    lang: doc.lang,
    title: doc.title,
    margin: MARGIN,
    author: author,
    subject: doc.lang === 'de' ? 'Verzeichnis nach Art. 30 DSGVO' : 'Record under Art. 30 GDPR',
  })
  const width = pdf.page.width - 2 * MARGIN
  // WinAnsi has no dashes beyond – and —, nor arrows: keep what it can show.
  const text = (value: string) => value.replace(/[‑‒]/g, '-')

  const row = (label: string, value: string) => {
    pdf.font('Helvetica').fontSize(10)
    const height = Math.max(
      pdf.heightOfString(text(value), { width: width - LABEL_WIDTH }),
      pdf.font('Helvetica-Bold').heightOfString(text(label), { width: LABEL_WIDTH - 8 }),
    )
    if (pdf.y + height > pdf.page.height - MARGIN) pdf.addPage()
    const y = pdf.y
    pdf.font('Helvetica-Bold').text(text(label), MARGIN, y, { width: LABEL_WIDTH - 8 })
    pdf.font('Helvetica').text(text(value), MARGIN + LABEL_WIDTH, y, { width: width - LABEL_WIDTH })
    pdf.x = MARGIN
    pdf.y = y + height + 4
  }
  const heading = (value: string, size: number) => {
    if (pdf.y > pdf.page.height - MARGIN - 100) pdf.addPage()
    pdf.font('Helvetica-Bold').fontSize(size).text(text(value), MARGIN, pdf.y, { width })
  }

  pdf.font('Helvetica-Bold').fontSize(20).text(doc.title, { width })
  pdf.moveDown(0.5)
  for (const meta of doc.meta) row(meta.label, meta.value)
  pdf.moveDown(0.5)
  pdf.font('Helvetica').fontSize(10)
  for (const paragraph of doc.intro) {
    pdf.text(text(paragraph), { width })
    pdf.moveDown(0.5)
  }
  pdf.font('Helvetica-Oblique').text(text(doc.disclaimer), { width })
  pdf.moveDown(1)
  heading(doc.changesHeading, 14)
  pdf.moveDown(0.25)
  pdf.font('Helvetica').fontSize(10)
  if (doc.changes.length === 0) pdf.text(text(doc.noChanges), { width })
  else for (const c of doc.changes) pdf.text(`• ${text(c)}`, { width })

  for (const section of doc.sections) {
    pdf.moveDown(1)
    heading(`${section.heading} (${section.article})`, 14)
    if (section.items.length === 0) {
      pdf.moveDown(0.25)
      pdf.font('Helvetica').fontSize(10).text(text(section.empty), MARGIN, pdf.y, { width })
    }
    for (const item of section.items) {
      pdf.moveDown(0.5)
      heading(item.title, 11)
      pdf.moveDown(0.25)
      for (const r of item.rows) row(r.label, r.value)
    }
  }
  pdf.end()
  return done
}
