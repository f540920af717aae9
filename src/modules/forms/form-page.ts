import type { FieldError } from '../../platform/problem.ts'
import type { Lang } from './client-info.ts'
import type { LiveForm } from './form.service.ts'
import { composeNotice } from './form-notice.ts'
import { PAGE_TEXTS, refusalReason } from './form-texts.ts'
import { FORM_FIELD_INPUTS } from './form-types.ts'

/**
 * The public pages, rendered on the server: plain HTML with its styles inline, no script, no
 * external resource (nothing loaded from elsewhere learns who opened the page).
 */

/** The honeypot input: hidden from people, filled in by form-filling bots. */
export const HONEYPOT_FIELD = 'website'
/** The name of the consent checkboxes; the value is the purpose key. */
export const CONSENT_FIELD = 'consent'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
export const esc = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.5rem}
label.field{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=text],input[type=tel]{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
fieldset{margin:1.2rem 0;border:1px solid #ccc;padding:.8rem}
.consent{display:flex;gap:.6rem;align-items:flex-start;margin:.6rem 0}
.consent input{margin-top:.3rem}
.version{color:#666;font-size:.8rem}
.hp,.sr{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
.errors{border:2px solid #b00020;padding:.5rem 1rem;color:#b00020}
button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem;background:var(--brand,#1f4e8c);color:var(--brand-ink,#fff);border:1px solid transparent;border-radius:.3rem;cursor:pointer}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
header.brand{display:flex;align-items:center;gap:.8rem;padding-bottom:.6rem;border-bottom:3px solid var(--brand,#ccc)}
header.brand img{max-height:48px;max-width:200px}
.brand-name{font-weight:600}
footer.brand-footer{margin-top:2rem;border-top:1px solid #ccc;font-size:.8rem;color:#555}
footer.brand-footer p{margin:.3rem 0}
.notice{margin-top:2rem;font-size:.9rem;border-top:1px solid #ccc}
.objection{border-left:4px solid #1a1a1a;padding-left:.8rem}
nav{text-align:right;font-size:.9rem}`

/**
 * Security headers of every public page: nothing from elsewhere (images from this server only: the
 * installation's logo), no framing, no referrer.
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const

/**
 * A whole public page around `body` (HTML the caller escaped): the shared styles (plus
 * `extraStyle`), the title as heading, and a link to the page in the other language when given.
 * Used by the unsubscribe pages and the privacy portal too.
 */
export function layout(
  lang: Lang,
  title: string,
  body: string,
  otherLanguageHref?: string,
  extraStyle = '',
): string {
  const nav = otherLanguageHref
    ? `<nav><a href="${esc(otherLanguageHref)}" hreflang="${lang === 'de' ? 'en' : 'de'}">${esc(PAGE_TEXTS[lang].otherLanguage)}</a></nav>`
    : ''
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>${STYLE}${extraStyle}</style>
</head>
<body>
${nav}
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`
}

/**
 * The form: its fields, each offered consent as its own unticked checkbox with its text, the
 * honeypot, and the Art. 13 notice. `values` refills the fields after a refused post (never the
 * checkboxes: a consent is ticked anew by the person, never by us).
 */
export function renderFormPage(
  live: LiveForm,
  lang: Lang,
  options: { values?: Record<string, string>; errors?: readonly FieldError[] } = {},
): string {
  const t = PAGE_TEXTS[lang]
  const other: Lang = lang === 'de' ? 'en' : 'de'
  const action = `/p/forms/${encodeURIComponent(live.form.key)}?lang=${lang}`
  const errors = options.errors?.length
    ? `<div class="errors" role="alert"><p><strong>${esc(t.errorTitle)}</strong></p><ul>${options.errors
        .map((e) => `<li>${esc(labelOf(e.field, lang))}: ${esc(refusalReason(e.reason, lang))}</li>`)
        .join('')}</ul></div>`
    : ''
  const fields = live.form.fields
    .map(({ field, required }) => {
      const input = FORM_FIELD_INPUTS[field]
      const value = options.values?.[field]
      return `<label class="field" for="f-${field}">${esc(input.label[lang])}${required ? ` <span aria-hidden="true">*</span><span class="sr">(${esc(t.required)})</span>` : ''}</label>
<input id="f-${field}" name="${field}" type="${input.input}" autocomplete="${input.autocomplete}" maxlength="${input.maxLength}"${required ? ' required' : ''}${value ? ` value="${esc(value)}"` : ''}>`
    })
    .join('\n')
  const consents = live.consents.length
    ? `<fieldset><legend>${esc(live.purpose ? t.optionalConsents : t.consentsOnly)}</legend>
${live.consents
  .map(
    (
      c,
    ) => `<div class="consent"><input type="checkbox" id="c-${esc(c.purpose.key)}" name="${CONSENT_FIELD}" value="${esc(c.purpose.key)}">
<label for="c-${esc(c.purpose.key)}">${esc(c.text.text[lang])} <span class="version">(${esc(t.textVersion)} ${esc(c.text.textVersion)})</span></label></div>`,
  )
  .join('\n')}
</fieldset>`
    : ''
  const honeypot = `<div class="hp" aria-hidden="true"><label for="f-${HONEYPOT_FIELD}">${esc(t.honeypot)}</label><input id="f-${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off"></div>`
  const notice = composeNotice(live, lang)
    .map(
      (section, i, all) =>
        `<section${i === all.length - 1 ? ' class="objection"' : ''}><h2>${esc(section.heading)}</h2>${section.paragraphs
          .map((p) => `<p>${esc(p)}</p>`)
          .join('')}</section>`,
    )
    .join('\n')
  const body = `${errors}
<form method="post" action="${esc(action)}" accept-charset="utf-8">
${fields}
${honeypot}
${consents}
<button type="submit">${esc(t.submit)}</button>
</form>
<div class="notice"><h2>${esc(t.notice)}</h2>
${notice}
</div>`
  return layout(
    lang,
    live.form.title[lang],
    body,
    `/p/forms/${encodeURIComponent(live.form.key)}?lang=${other}`,
  )
}

/** A page with a message: thanks, a confirmation's outcome, or why something didn't work. */
/** The page of a confirmation link: what it confirms, and the button that does it (a POST). */
export function renderConfirmPage(lang: Lang, action: string, consents: readonly string[]): string {
  const t = PAGE_TEXTS[lang]
  return layout(
    lang,
    t.confirmTitle,
    `<p>${esc(t.confirmAsk)}</p><ul>${consents.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>
<form method="post" action="${esc(action)}"><button type="submit">${esc(t.confirmButton)}</button></form>
<p class="version">${esc(t.confirmWhy)}</p>`,
  )
}

export function renderMessagePage(
  lang: Lang,
  title: string,
  paragraphs: readonly string[],
  list?: readonly string[],
): string {
  const items = list?.length ? `<ul>${list.map((item) => `<li>${esc(item)}</li>`).join('')}</ul>` : ''
  const [first, ...rest] = paragraphs
  return layout(
    lang,
    title,
    `${first ? `<p>${esc(first)}</p>` : ''}${items}${rest.map((p) => `<p>${esc(p)}</p>`).join('')}`,
  )
}

function labelOf(field: string, lang: Lang): string {
  const input = FORM_FIELD_INPUTS[field as keyof typeof FORM_FIELD_INPUTS]
  if (input) return input.label[lang]
  return field === CONSENT_FIELD ? PAGE_TEXTS[lang].consentsOnly : field
}
