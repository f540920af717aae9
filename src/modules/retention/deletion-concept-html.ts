import type { DeletionConceptDocument } from './deletion-concept.ts'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
/** Every text is escaped: rule texts are the DPO's input. */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/** The deletion concept as one self-contained HTML page (styles inline, no scripts, printable). */
export function deletionConceptHtml(doc: DeletionConceptDocument): string {
  const rows = (items: readonly { label: string; value: string }[]) =>
    items
      .map((r) => `<tr><th scope="row">${escapeHtml(r.label)}</th><td>${escapeHtml(r.value)}</td></tr>`)
      .join('\n')
  const groups = doc.groups
    .map(
      (group) => `<section>
<h2>${escapeHtml(group.heading)}</h2>
${group.rules
  .map(
    (rule) => `<article id="${escapeHtml(rule.key)}" data-rule="${escapeHtml(rule.key)}">
<h3>${escapeHtml(rule.name)} <small>(${escapeHtml(rule.key)}, v${rule.version})</small></h3>
<table>
${rows(rule.rows)}
</table>
</article>`,
  )
  .join('\n')}
</section>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="${doc.lang}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(doc.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #1a1a1a; }
h1 { margin-bottom: 0.25rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 small { font-weight: normal; color: #666; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; vertical-align: top; width: 14rem; padding: 0.25rem 0.75rem 0.25rem 0; }
td { padding: 0.25rem 0; }
.meta th { width: 10rem; }
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
${groups}
</body>
</html>
`
}
