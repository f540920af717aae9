import { openA4Pdf } from '../../platform/pdf.ts'
import type { AccessReportDocument } from './access-report-document.ts'

const MARGIN = 48
const LABEL_WIDTH = 150

/**
 * The access report as a PDF (A4, the standard Helvetica fonts: WinAnsi has the umlauts, ß and §).
 * A table's rows are printed as records (each column's heading and value), which stay readable
 * however many columns a kind has. Resolves when the whole file is written.
 */
export async function accessReportPdf(
  doc: AccessReportDocument,
  controllerName: string | null,
): Promise<Buffer> {
  const { pdf, done } = await openA4Pdf({
    lang: doc.lang,
    title: doc.title,
    margin: MARGIN,
    author: controllerName,
  })
  const width = pdf.page.width - 2 * MARGIN
  const bottom = () => pdf.page.height - MARGIN

  const row = (label: string, value: string, size = 9) => {
    pdf.font('Helvetica').fontSize(size)
    const text = pdfText(value)
    const height = Math.max(
      pdf.heightOfString(text || ' ', { width: width - LABEL_WIDTH }),
      pdf.font('Helvetica-Bold').heightOfString(pdfText(label), { width: LABEL_WIDTH - 8 }),
    )
    if (pdf.y + height > bottom()) pdf.addPage()
    const y = pdf.y
    pdf.font('Helvetica-Bold').text(pdfText(label), MARGIN, y, { width: LABEL_WIDTH - 8 })
    pdf.font('Helvetica').text(text || ' ', MARGIN + LABEL_WIDTH, y, { width: width - LABEL_WIDTH })
    pdf.x = MARGIN
    pdf.y = y + height + 2
  }

  pdf.font('Helvetica-Bold').fontSize(16).text(pdfText(doc.title), { width })
  pdf.moveDown(0.5)
  for (const m of doc.meta) row(m.label, m.value, 10)
  for (const [i, block] of doc.blocks.entries()) {
    pdf.moveDown(0.6)
    if (i > 0) {
      if (pdf.y > bottom() - 80) pdf.addPage()
      pdf.font('Helvetica-Bold').fontSize(12).text(pdfText(block.heading), MARGIN, pdf.y, { width })
      pdf.moveDown(0.3)
    }
    pdf.font('Helvetica').fontSize(9.5)
    for (const p of block.paragraphs) {
      pdf.text(pdfText(p), MARGIN, pdf.y, { width })
      pdf.moveDown(0.3)
    }
    const table = block.table
    if (!table) continue
    for (const r of table.rows) {
      if (table.columns.length === 2) row(r[0] ?? '', r[1] ?? '')
      else {
        for (const [c, heading] of table.columns.entries()) if (r[c]) row(heading, r[c] ?? '')
        pdf.moveDown(0.3)
      }
    }
  }
  pdf.end()
  return done
}

/** Characters outside WinAnsi (the standard fonts' encoding) would print as garbage: replaced. */
function pdfText(text: string): string {
  return text.replace(/[‐‑‒–—]/g, '-').replace(/[^\t\n\r\x20-\x7e\xa0-\xff€„“”‘’•…§]/g, '?')
}
