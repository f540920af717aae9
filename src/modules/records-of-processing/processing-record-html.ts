import type { DocumentRow, ProcessingRecordDocument } from './processing-record-document.ts'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
/** Every text is escaped: names, descriptions and rule texts are the DPO's input. */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

const rows = (items: readonly DocumentRow[]) =>
  items
    .map((r) => `<tr><th scope="row">${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`)
    .join('\n')

/** The record as one self-contained HTML page (styles inline, no scripts, printable). */
export function processingRecordHtml(doc: ProcessingRecordDocument): string {
  const changes =
    doc.changes.length === 0
      ? `<p>${escapeHtml(doc.noChanges)}</p>`
      : `<ul>${doc.changes.map((c) => `<li>${escapeHtml(c)}</li>`).join('\n')}</ul>`
  const sections = doc.sections
    .map(
      (s) => `<section id="${escapeHtml(s.key)}" data-section="${escapeHtml(s.key)}">
<h2>${escapeHtml(s.heading)} <small>(${escapeHtml(s.article)})</small></h2>
${
  s.items.length === 0
    ? `<p class="empty">${escapeHtml(s.empty)}</p>`
    : s.items
        .map(
          (item) => `<article data-key="${escapeHtml(item.key)}">
<h3>${escapeHtml(item.title)}</h3>
<table>
${rows(item.rows)}
</table>
</article>`,
        )
        .join('\n')
}
</section>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="${doc.lang}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(doc.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1a1a1a; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
h2 small { font-weight: normal; color: #666; font-size: 0.7em; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; vertical-align: top; width: 14rem; padding: 0.25rem 0.75rem 0.25rem 0; }
td { padding: 0.25rem 0; }
.changes { border-left: 4px solid #2f6fdb; padding: 0.25rem 1rem; background: #eef4ff; }
.disclaimer { border-left: 4px solid #e8a200; padding: 0.5rem 1rem; background: #fff8e6; }
</style>
</head>
<body>
<h1>${escapeHtml(doc.title)}</h1>
<table class="meta">
${rows(doc.meta)}
</table>
${doc.intro.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p class="disclaimer">${escapeHtml(doc.disclaimer)}</p>
<section class="changes" data-section="changes">
<h2>${escapeHtml(doc.changesHeading)}</h2>
${changes}
</section>
${sections}
</body>
</html>
`
}
