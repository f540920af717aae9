import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type {
  LinkChannel,
  UnsubscribeLinkInfo,
  UnsubscribeOutcome,
} from '../../privacy/unsubscribe/unsubscribe.service.ts'
import type { Lang } from '../forms/client-info.ts'
import { esc, layout } from '../forms/form-page.ts'
import { CHANNEL_PHRASES, UNSUBSCRIBE_TEXTS } from './unsubscribe-texts.ts'

/**
 * The unsubscribe pages, rendered on the server like the form pages: plain HTML, no script,
 * nothing loaded from elsewhere. They name the purpose and channel, never the person (a forwarded
 * mail's link must not show whose address it was).
 */

/** The privacy portal (src/modules/portal): consents, access, erasure. */
const PORTAL = '/p/portal'

/**
 * A text with the purpose's name and, when the purpose reaches people on more than one channel,
 * the link's channel ("Newsletter per E-Mail" needs no second "per E-Mail").
 */
function fill(template: string, purpose: Purpose, channel: LinkChannel, lang: Lang): string {
  const several = purpose.channels.filter((c) => c !== 'none' && c !== 'web').length > 1
  return template
    .replaceAll(' {channel}', several ? ` ${CHANNEL_PHRASES[channel][lang]}` : '')
    .replaceAll('{purpose}', purpose.name[lang])
}

const actionOf = (token: string, lang: Lang) => `/p/unsubscribe/${encodeURIComponent(token)}?lang=${lang}`

function choice(token: string, lang: Lang, scope: 'this' | 'all', label: string, hint: string): string {
  return `<form method="post" action="${esc(actionOf(token, lang))}" accept-charset="utf-8">
<button type="submit" name="scope" value="${scope}">${esc(label)}</button>
<p>${esc(hint)}</p>
</form>`
}

function portalLink(lang: Lang): string {
  const t = UNSUBSCRIBE_TEXTS[lang]
  return `<p class="notice">${esc(t.portal)} <a href="${PORTAL}?lang=${lang}">${esc(t.portalLink)}</a></p>`
}

/** GET: what the link is about, and the two choices as buttons (a GET itself changes nothing). */
export function renderUnsubscribePage(
  info: Extract<UnsubscribeLinkInfo, { kind: 'found' }>,
  token: string,
  lang: Lang,
): string {
  const t = UNSUBSCRIBE_TEXTS[lang]
  const { purpose, channel, effect } = info
  const f = (template: string) => fill(template, purpose, channel, lang)
  const own =
    effect === 'withdraw-consent'
      ? choice(token, lang, 'this', f(t.thisConsent), f(t.thisConsentHint))
      : effect === 'object-to-purpose'
        ? choice(token, lang, 'this', f(t.thisObjection), f(t.thisObjectionHint))
        : `<p>${esc(t.noneHint)}</p>`
  const body = `<p>${esc(f(t.about))}</p>
${own}
${choice(token, lang, 'all', t.all, t.allHint)}
<p class="version">${esc(t.nothingYet)}</p>
${portalLink(lang)}`
  const other: Lang = lang === 'de' ? 'en' : 'de'
  return layout(lang, t.pageTitle, body, actionOf(token, other))
}

/** POST: what was done (or why nothing was); after a single unsubscribe, the way to object to all. */
export function renderOutcomePage(
  outcome: Exclude<UnsubscribeOutcome, { kind: 'invalid' }>,
  token: string,
  lang: Lang,
): string {
  const t = UNSUBSCRIBE_TEXTS[lang]
  const { purpose, channel } = outcome
  const f = (template: string) => fill(template, purpose, channel, lang)
  const all = outcome.kind !== 'none' && outcome.scope === 'all'
  let title: string
  let text: string
  if (outcome.kind === 'none') [title, text] = [t.noneTitle, f(t.none)]
  else if (outcome.kind === 'already') [title, text] = [t.alreadyTitle, all ? t.alreadyAll : f(t.already)]
  else if (all) [title, text] = [t.doneAllTitle, t.doneAll]
  else
    [title, text] = [t.doneTitle, f(outcome.effect === 'withdraw-consent' ? t.doneConsent : t.doneObjection)]
  const more = all ? '' : `<h2>${esc(t.moreTitle)}</h2>\n${choice(token, lang, 'all', t.all, t.allHint)}`
  return layout(lang, title, `<p role="status">${esc(text)}</p>\n${more}\n${portalLink(lang)}`)
}

/** A page with one message (unknown link, unknown choice, too many requests, failure) and the portal. */
export function renderNoticePage(lang: Lang, title: string, text: string): string {
  return layout(lang, title, `<p>${esc(text)}</p>\n${portalLink(lang)}`)
}
