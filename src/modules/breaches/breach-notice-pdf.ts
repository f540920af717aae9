import { openA4Pdf } from '../../platform/pdf.ts'
import type { BreachNotice } from './breach-notice.ts'

const MARGIN = 56
const LABEL_WIDTH = 170

/** The Art. 33(3) notification as a PDF (A4, standard Helvetica: WinAnsi has ä, ö, ü, ß and §). */
export async function breachNoticePdf(notice: BreachNotice, author: string | undefined): Promise<Buffer> {
  const { pdf, done } = await openA4Pdf({
    lang: notice.lang,
    title: `${notice.title} ${notice.reference}`,
    margin: MARGIN,
    author: author,
  })
  const width = pdf.page.width - 2 * MARGIN
  pdf.font('Helvetica-Bold').fontSize(16).text(notice.title, { width })
  pdf.moveDown(0.75)
  for (const r of notice.rows) {
    pdf.font('Helvetica').fontSize(10)
    const height = Math.max(
      pdf.heightOfString(r.value, { width: width - LABEL_WIDTH }),
      pdf.font('Helvetica-Bold').heightOfString(r.label, { width: LABEL_WIDTH - 8 }),
    )
    if (pdf.y + height > pdf.page.height - MARGIN) pdf.addPage()
    const y = pdf.y
    pdf.font('Helvetica-Bold').text(r.label, MARGIN, y, { width: LABEL_WIDTH - 8 })
    pdf.font('Helvetica').text(r.value, MARGIN + LABEL_WIDTH, y, { width: width - LABEL_WIDTH })
    pdf.x = MARGIN
    pdf.y = y + height + 6
  }
  pdf.moveDown(0.5)
  pdf.font('Helvetica-Oblique').fontSize(9).text(notice.disclaimer, MARGIN, pdf.y, { width })
  pdf.end()
  return done
}
