/**
 * An A4 PDF of Tresor's documents (the deletion concept, the Art. 30 record, the access report, the
 * breach notice) with its metadata, and the bytes once it is ended. The standard Helvetica fonts:
 * their WinAnsi encoding has the German umlauts, ß and §. pdfkit is loaded on first use: a process
 * that makes no PDF (a CLI command, most requests) doesn't pay for its module graph.
 */
export async function openA4Pdf(options: {
  lang: string
  title: string
  margin: number
  author?: string | null | undefined
  subject?: string | undefined
}): Promise<{ pdf: PDFKit.PDFDocument; done: Promise<Buffer> }> {
  const { default: PDFDocument } = await import('pdfkit')
  const pdf = new PDFDocument({
    size: 'A4',
    margin: options.margin,
    lang: options.lang,
    info: {
      Title: options.title,
      ...(options.author ? { Author: options.author } : {}),
      Creator: 'Tresor',
      ...(options.subject ? { Subject: options.subject } : {}),
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })
  return { pdf, done }
}
