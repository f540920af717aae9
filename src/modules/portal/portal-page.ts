import type { Lang } from '../forms/client-info.ts'
import { esc, layout } from '../forms/form-page.ts'
import { REQUEST_KIND_INFO, REQUEST_KINDS, requestKindArticle } from '../requests/request-kinds.ts'
import { ANSWER_TEXTS, REFUSAL_WORDS, STATUS_WORDS } from '../requests/request-status-texts.ts'
import type { PortalConsent, PortalOverview, PortalSession } from './portal.service.ts'
import {
  CHANNEL_NAMES,
  DONE_TEXTS,
  type DoneCode,
  formatDate,
  formatTime,
  LEGAL_BASIS_WORDS,
  NOT_IN_USE,
  PORTAL_TEXTS,
  REFUSAL_TEXTS,
  type RefusalCode,
} from './portal-texts.ts'

/**
 * The portal's pages, rendered on the server like the form pages: plain HTML, styles inline, no
 * script, nothing loaded from elsewhere. Every change is a POST form carrying the session's
 * anti-CSRF token; nothing changes on a GET.
 */

const STYLE = `
section.box{border:1px solid #ccc;padding:.4rem 1rem .8rem;margin:1.2rem 0}
.item{border-top:1px solid #e4e4e4;padding:.6rem 0}
.item:first-of-type{border-top:none}
h3{font-size:1rem;margin:.2rem 0}
.state{font-weight:600}
.muted{color:#555;font-size:.9rem}
.done{border:2px solid #0a6b2d;padding:.5rem 1rem;color:#0a6b2d}
form.inline{display:inline}
form.inline button{margin-top:.4rem}
textarea{width:100%;box-sizing:border-box;font:inherit;padding:.4rem}
.kind{display:flex;gap:.6rem;align-items:flex-start;margin:.4rem 0}
.kind input{margin-top:.3rem}
table{border-collapse:collapse;width:100%;margin-top:.6rem}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e4e4e4;font-size:.95rem}
.signout{text-align:right}
nav.toc{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.5rem 0;z-index:1}
nav.toc ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
nav.toc a{font-size:.95rem}
section.box{scroll-margin-top:3.5rem}`

const other = (lang: Lang): Lang => (lang === 'de' ? 'en' : 'de')
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)

function page(lang: Lang, title: string, body: string, otherLanguageHref?: string): string {
  return layout(lang, title, body, otherLanguageHref, STYLE)
}

/** A hidden input. */
const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`

/** A POST form of one button, with the session's anti-CSRF token and the given fields. */
function action(
  lang: Lang,
  path: string,
  csrf: string,
  fields: Record<string, string>,
  label: string,
): string {
  return `<form method="post" action="${esc(`${path}?lang=${lang}`)}" class="inline">${hidden('csrf', csrf)}${Object.entries(
    fields,
  )
    .map(([name, value]) => hidden(name, value))
    .join('')}<button type="submit">${esc(label)}</button></form>`
}

/** `GET /p/portal`: the address to send a sign-in link to. */
export function renderLoginPage(lang: Lang, options: { error?: string; email?: string } = {}): string {
  const t = PORTAL_TEXTS[lang]
  const error = options.error ? `<div class="errors" role="alert"><p>${esc(options.error)}</p></div>` : ''
  return page(
    lang,
    t.loginTitle,
    `<p>${esc(t.loginIntro)}</p><p>${esc(t.loginHow)}</p>${error}
<form method="post" action="/p/portal/login?lang=${lang}" accept-charset="utf-8">
<label class="field" for="f-email">${esc(t.emailLabel)}</label>
<input id="f-email" name="email" type="email" autocomplete="email" maxlength="254" required${options.email ? ` value="${esc(options.email)}"` : ''}>
<button type="submit">${esc(t.sendLink)}</button>
</form>`,
    `/p/portal?lang=${other(lang)}`,
  )
}

/** The answer to every sign-in request, whatever the address. */
export function renderLinkSentPage(
  lang: Lang,
  settings: { linkMinutes: number; resendMinutes: number },
): string {
  const t = PORTAL_TEXTS[lang]
  return page(
    lang,
    t.linkSentTitle,
    `<p>${esc(fill(t.linkSent, { minutes: String(settings.linkMinutes) }))}</p><p>${esc(
      fill(t.linkSentHint, { resend: String(settings.resendMinutes) }),
    )}</p>`,
  )
}

/**
 * `GET /p/portal/login/{token}`: a button that signs in with a POST. Mail scanners follow links
 * with GET; a single-use link must survive them.
 */
export function renderSignInPage(lang: Lang, token: string, switching: boolean): string {
  const t = PORTAL_TEXTS[lang]
  return page(
    lang,
    t.signInTitle,
    `<p>${esc(t.signInText)}</p>${switching ? `<p class="muted">${esc(t.signInSwitch)}</p>` : ''}
<form method="post" action="/p/portal/login/${esc(token)}?lang=${lang}"><button type="submit">${esc(t.signIn)}</button></form>`,
  )
}

/** A page with a message and, where it helps, a link onwards. */
export function renderMessage(
  lang: Lang,
  title: string,
  paragraphs: readonly string[],
  link?: { href: string; label: string },
): string {
  return page(
    lang,
    title,
    `${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}${link ? `<p><a href="${esc(link.href)}">${esc(link.label)}</a></p>` : ''}`,
  )
}

/** `GET /p/portal/me`: the person's consents, objections and requests, and what they can do. */
export function renderPortalPage(
  lang: Lang,
  overview: PortalOverview,
  session: Pick<PortalSession, 'csrf' | 'expiresAt'>,
  options: { done?: DoneCode | undefined; refusal?: RefusalCode | undefined } = {},
): string {
  const t = PORTAL_TEXTS[lang]
  const csrf = session.csrf
  const date = (d: Date) => formatDate(lang, d, overview.timeZone)
  const banner = options.refusal
    ? `<div class="errors" role="alert"><p><strong>${esc(t.refusedTitle)}</strong></p><p>${esc(REFUSAL_TEXTS[lang][options.refusal])}</p></div>`
    : options.done
      ? `<div class="done" role="status"><p>${esc(DONE_TEXTS[lang][options.done])}</p></div>`
      : ''
  const header = `<div class="signout"><span class="muted">${esc(fill(t.sessionUntil, { time: formatTime(lang, session.expiresAt, overview.timeZone) }))}</span> ${action(lang, '/p/portal/logout', csrf, {}, t.signOut)}</div>`
  const restricted = overview.restricted ? `<p class="muted">${esc(t.restricted)}</p>` : ''

  const dnc = `<section class="box objection" id="all-marketing"><h2>${esc(t.dncTitle)}</h2>${
    overview.doNotContactSince
      ? `<p class="state">${esc(fill(t.dncOn, { date: date(overview.doNotContactSince) }))}</p>${action(lang, '/p/portal/objection', csrf, { scope: 'all_marketing', action: 'lift' }, t.lift)}`
      : `<p>${esc(t.dncOff)}</p>${action(lang, '/p/portal/objection', csrf, { scope: 'all_marketing', action: 'raise' }, t.dncRaise)}`
  }</section>`

  const consents = `<section class="box" id="consents"><h2>${esc(t.consentsTitle)}</h2><p class="muted">${esc(t.consentsIntro)}</p>${overview.consents
    .map((c) => consentItem(lang, c, csrf, overview.timeZone))
    .join('')}</section>`

  const marketing = overview.marketing.length
    ? `<section class="box" id="legitimate-interest"><h2>${esc(t.marketingTitle)}</h2><p class="muted">${esc(t.marketingIntro)}</p>${overview.marketing
        .map(
          (m) => `<div class="item" id="purpose-${esc(m.purpose.key)}"><h3>${esc(m.purpose.name[lang])}</h3>
<p>${esc(m.purpose.description[lang])}</p>
<p class="muted">${esc(t.channels)}: ${esc(m.purpose.channels.map((c) => CHANNEL_NAMES[c][lang]).join(', '))}</p>
<p class="state">${esc(m.objectedSince ? fill(t.objectedSince, { date: date(m.objectedSince) }) : t.notObjected)}</p>
${action(lang, '/p/portal/objection', csrf, { scope: 'purpose', purpose: m.purpose.key, action: m.objectedSince ? 'lift' : 'raise' }, m.objectedSince ? t.lift : t.object)}</div>`,
        )
        .join('')}</section>`
    : ''

  const channels = overview.channels.length
    ? `<section class="box" id="channels"><h2>${esc(t.channelsTitle)}</h2><p class="muted">${esc(t.channelsIntro)}</p>${overview.channels
        .map(
          (
            c,
          ) => `<div class="item" id="channel-${c.channel}"><h3>${esc(fill(t.objectChannel, { channel: CHANNEL_NAMES[c.channel][lang] }))}</h3>
<p class="state">${esc(c.objectedSince ? fill(t.objectedSince, { date: date(c.objectedSince) }) : t.notObjected)}</p>
${action(lang, '/p/portal/objection', csrf, { scope: 'channel', channel: c.channel, action: c.objectedSince ? 'lift' : 'raise' }, c.objectedSince ? t.lift : t.object)}</div>`,
        )
        .join('')}</section>`
    : ''

  const otherProcessing = overview.other.length
    ? `<section class="box" id="other"><h2>${esc(t.otherTitle)}</h2><p class="muted">${esc(t.otherIntro)}</p>${overview.other
        .map(
          (
            o,
          ) => `<div class="item"><h3>${esc(o.purpose.name[lang])}</h3><p>${esc(o.purpose.description[lang])}</p>
<p class="muted">${esc(t.legalBasis)}: ${esc(LEGAL_BASIS_WORDS[o.purpose.legalBasis][lang])}</p>
<p class="muted">${esc(o.objectable ? t.objectable : t.notObjectable)}</p></div>`,
        )
        .join('')}</section>`
    : ''

  const kinds = REQUEST_KINDS.map((kind, i) => {
    const info = REQUEST_KIND_INFO[kind]
    return `<div class="kind"><input type="radio" id="k-${kind}" name="kind" value="${kind}"${i === 0 ? ' required' : ''}>
<label for="k-${kind}"><strong>${esc(info.name[lang])}</strong> <span class="version">(${esc(requestKindArticle(kind, lang))})</span><br>${esc(info.description[lang])} <span class="muted">${esc(info.detailsHint[lang])}</span></label></div>`
  }).join('\n')
  const filed = overview.requests.length
    ? `<table><thead><tr><th>${esc(t.request)}</th><th>${esc(t.received)}</th><th>${esc(t.due)}</th><th>${esc(t.status)}</th></tr></thead><tbody>${overview.requests
        .map(
          (r) =>
            `<tr class="request"><td>${esc(REQUEST_KIND_INFO[r.kind].name[lang])}</td><td>${esc(formatTime(lang, r.receivedAt, overview.timeZone))}</td><td>${esc(date(r.dueAt))}</td><td>${requestState(lang, r, overview.downloads, date)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p class="muted">${esc(t.noRequests)}</p>`
  const requests = `<section class="box" id="requests"><h2>${esc(t.requestsTitle)}</h2><p class="muted">${esc(t.requestsIntro)}</p>
<form method="post" action="/p/portal/requests?lang=${lang}" accept-charset="utf-8">${hidden('csrf', csrf)}
<fieldset><legend>${esc(t.kind)}</legend>
${kinds}
</fieldset>
<label class="field" for="f-details">${esc(t.details)}</label>
<textarea id="f-details" name="details" rows="4" maxlength="2000"></textarea>
<button type="submit">${esc(t.fileRequest)}</button>
</form>
<h3>${esc(t.filedTitle)}</h3>
${filed}
<p class="muted">${esc(t.complaint)}</p></section>`

  // The page is long: a navigation to its sections, kept in view while scrolling (no script).
  const sections: [string, string, boolean][] = [
    ['all-marketing', t.dncTitle, true],
    ['consents', t.consentsTitle, true],
    ['legitimate-interest', t.marketingTitle, overview.marketing.length > 0],
    ['channels', t.channelsTitle, overview.channels.length > 0],
    ['requests', t.requestsTitle, true],
    ['other', t.otherTitle, overview.other.length > 0],
  ]
  const toc = `<nav class="toc" aria-label="${esc(t.sectionsLabel)}"><ul>${sections
    .filter(([, , shown]) => shown)
    .map(([id, title]) => `<li><a href="#${id}">${esc(title)}</a></li>`)
    .join('')}</ul></nav>`
  return page(
    lang,
    t.title,
    `${header}${toc}${banner}${restricted}${dnc}${consents}${marketing}${channels}${requests}${otherProcessing}`,
    `/p/portal/me?lang=${other(lang)}`,
  )
}

function consentItem(lang: Lang, c: PortalConsent, csrf: string, timeZone: string): string {
  const t = PORTAL_TEXTS[lang]
  const date = c.since ? formatDate(lang, c.since, timeZone) : ''
  const status =
    c.status === 'confirmed'
      ? fill(t.statusConfirmed, { date })
      : c.status === 'granted'
        ? fill(t.statusGranted, { date })
        : c.status === 'requested'
          ? fill(t.statusRequested, { date })
          : c.status === 'withdrawn'
            ? fill(t.statusWithdrawn, { date })
            : c.status === 'expired'
              ? fill(t.statusExpired, { date })
              : t.statusNone
  const use = c.inUse
    ? `<p class="muted">${esc(t.inUse)}</p>`
    : c.notInUse && NOT_IN_USE[c.notInUse]
      ? `<p class="muted">${esc(NOT_IN_USE[c.notInUse]?.[lang] ?? '')}</p>`
      : ''
  const id = `${c.purpose.key}-${c.channel}`
  const give = c.offer
    ? `<form method="post" action="/p/portal/consent?lang=${lang}">${hidden('csrf', csrf)}${hidden('action', 'give')}${hidden('purpose', c.purpose.key)}${hidden('channel', c.channel)}${hidden('textVersion', c.offer.textVersion)}
<div class="consent"><input type="checkbox" id="give-${esc(id)}" name="agreed" value="yes">
<label for="give-${esc(id)}">${esc(c.offer.text[lang])} <span class="version">(${esc(t.textVersion)} ${esc(c.offer.textVersion)})</span></label></div>
<button type="submit">${esc(t.give)}</button></form>`
    : c.notOffered
      ? `<p class="muted">${esc(c.notOffered === 'web' ? t.notOfferedWeb : c.notOffered === 'confirm' ? t.notOfferedConfirm : t.notOfferedNoText)}</p>`
      : ''
  const withdraw = c.canWithdraw
    ? action(
        lang,
        '/p/portal/consent',
        csrf,
        { action: 'withdraw', purpose: c.purpose.key, channel: c.channel },
        t.withdraw,
      )
    : ''
  return `<div class="item consent-item" id="consent-${esc(id)}"><h3>${esc(c.purpose.name[lang])}</h3>
<p>${esc(c.purpose.description[lang])}</p>
<p class="muted">${esc(t.channel)}: ${esc(CHANNEL_NAMES[c.channel][lang])}</p>
<p class="state">${esc(status)}</p>${use}${withdraw}${give}</div>`
}

/**
 * A request's state for the person (issue #15): the status; for an extension the new due date and
 * the reason (Art. 12(3)); for a refusal the ground, the reasons and the right to complain
 * (Art. 12(4)); for an answer with a report, the downloads while they last.
 */
function requestState(
  lang: Lang,
  r: PortalOverview['requests'][number],
  downloads: PortalOverview['downloads'],
  date: (d: Date) => string,
): string {
  const a = ANSWER_TEXTS[lang]
  const parts = [`<strong>${esc(STATUS_WORDS[r.status][lang])}</strong>`]
  if (r.extension && r.status !== 'answered' && r.status !== 'refused')
    parts.push(`${esc(a.extended.replace('{due}', date(r.dueAt)))} ${esc(r.extension.reason)}`)
  if (r.refusal)
    parts.push(
      `${esc(REFUSAL_WORDS[r.refusal.ground][lang])} ${esc(r.refusal.reason)}`,
      `<span class="muted">${esc(a.complain)}</span>`,
    )
  if (r.status === 'answered' && r.closedAt)
    parts.push(
      `${esc(a.answered.replace('{date}', date(r.closedAt)))}${r.answerNote ? ` ${esc(r.answerNote)}` : ''}`,
    )
  // The answer Tresor generated for the kind (docs/adr/0021), in the page's language.
  const generated = r.answer as { text?: { de?: string; en?: string } } | null | undefined
  const answerText = generated?.text?.[lang]
  if (r.status === 'answered' && answerText)
    parts.push(
      `<span class="answer-text" data-testid="answer-text">${answerText
        .split('\n')
        .map((line) => esc(line))
        .join('<br>')}</span>`,
    )
  const download = downloads.find((d) => d.requestId === r.id)
  if (download) {
    const href = (format: string) => `/p/portal/answers/${r.id}/${format}?lang=${lang}`
    parts.push(
      `<span class="download">${esc(a.download)}: <a href="${href('html')}">HTML</a> · <a href="${href('pdf')}">PDF</a> · <a href="${href('json')}">JSON</a> · <a href="${href('csv')}">CSV</a> · <a href="${href('zip')}" data-testid="download-zip">${esc(a.zip)}</a> (${esc(a.until)} ${esc(date(download.expiresAt))})</span>`,
    )
  }
  return parts.join('<br>')
}
