import type { InstallationSettings } from './settings.service.ts'

/** The languages of the public pages and the mails. */
export type BrandingLanguage = 'de' | 'en'

/** Where the public pages and the mails load the logo from (a path under the public URL). */
export const LOGO_PATH = '/p/logo'

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const esc = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string)

/** An address typed over several lines, as one line. */
const oneLine = (text: string): string =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(', ')

const LABELS = {
  de: { controller: 'Verantwortlich', dpo: 'Datenschutzbeauftragte(r)' },
  en: { controller: 'Controller', dpo: 'Data protection officer' },
} as const

/** The logo's URL path with its version (its digest), so a new logo is not served from a cache. */
export function logoPath(settings: InstallationSettings): string | undefined {
  const logo = settings.branding.logo
  return logo ? `${LOGO_PATH}?v=${logo.sha256.slice(0, 16)}` : undefined
}

/**
 * Text that reads well on the colour (WCAG 2.x relative luminance): white on dark colours, near
 * black on light ones, so a pale brand colour never makes a button unreadable.
 */
export function inkOn(hex: string): string {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
  // Contrast against white (1.05 / (L + 0.05)) beats contrast against #1a1a1a above L ≈ 0.18.
  return luminance > 0.18 ? '#1a1a1a' : '#ffffff'
}

/** "Name, address, e-mail" of the controller; undefined while no name is set. */
function controllerLine(settings: InstallationSettings): string | undefined {
  const { name, address, email } = settings.controller
  if (!name) return undefined
  return [name, address ? oneLine(address) : undefined, email].filter(Boolean).join(', ')
}

/** "Name, e-mail, address" of the DPO; undefined while nothing is set. */
function dpoLine(settings: InstallationSettings): string | undefined {
  const { name, email, address } = settings.dpo
  const parts = [name, email, address ? oneLine(address) : undefined].filter(Boolean)
  return parts.length > 0 ? parts.join(', ') : undefined
}

/**
 * The controller section of the Art. 13 notice from the settings (Art. 13(1)(a)-(b): identity and
 * contact details of the controller, contact details of the DPO where there is one), in both
 * languages; undefined while the controller's name is not set.
 */
export function controllerNotice(settings: InstallationSettings): { de: string; en: string } | undefined {
  const controller = controllerLine(settings)
  if (!controller) return undefined
  const dpo = dpoLine(settings)
  const text = (lang: BrandingLanguage) =>
    `${LABELS[lang].controller}: ${controller}.${dpo ? ` ${LABELS[lang].dpo}: ${dpo}.` : ''}`
  return { de: text('de'), en: text('en') }
}

/** The lines naming the controller and the DPO at the foot of every mail; none while unset. */
export function identityLines(settings: InstallationSettings, lang: BrandingLanguage): string[] {
  const controller = controllerLine(settings)
  const dpo = dpoLine(settings)
  return [
    ...(controller ? [`${LABELS[lang].controller}: ${controller}`] : []),
    ...(dpo ? [`${LABELS[lang].dpo}: ${dpo}`] : []),
  ]
}

/** What a mail's own HTML shows of the installation: the logo (or the name) and the colour. */
export interface MailBranding {
  name: string | null
  /** The logo's absolute URL (under TRESOR_PUBLIC_URL), or null. */
  logoUrl: string | null
  primaryColor: string | null
  /** The IANA time zone the mail shows times in (and names). */
  timeZone: string
}

export function mailBranding(settings: InstallationSettings, publicUrl: string): MailBranding {
  const path = logoPath(settings)
  return {
    name: settings.controller.name,
    logoUrl: path ? `${publicUrl.replace(/\/+$/, '')}${path}` : null,
    primaryColor: settings.branding.primaryColor,
    timeZone: settings.timeZone,
  }
}

/** The head of a branded mail's HTML: the logo, else the controller's name; empty when neither. */
export function mailHeaderHtml(branding: MailBranding | undefined): string {
  if (!branding) return ''
  if (branding.logoUrl)
    return `<p><img src="${esc(branding.logoUrl)}" alt="${esc(branding.name ?? '')}" style="max-height:48px;max-width:240px"></p>`
  return branding.name ? `<p style="font-weight:bold;font-size:1.1em">${esc(branding.name)}</p>` : ''
}

/** The link of a mail as a button in the brand colour (plain link colour when none is set). */
export function mailButtonStyle(branding: MailBranding | undefined): string {
  const color = branding?.primaryColor
  if (!color) return ''
  return ` style="display:inline-block;padding:.6em 1.2em;border-radius:4px;text-decoration:none;background:${color};color:${inkOn(color)}"`
}

/**
 * A public page (forms, confirmation, unsubscribe, privacy portal) with the installation's look:
 * the brand colour for buttons, links and the heading's rule, the logo and the controller's name at
 * the top, the controller and the DPO at the foot. Everything comes from the settings, escaped;
 * the logo is loaded from this server (the pages' CSP allows images from 'self' only). A page
 * without settings is returned as it is.
 */
export function brandPublicPage(html: string, settings: InstallationSettings): string {
  const lang: BrandingLanguage = /<html lang="en"/.test(html) ? 'en' : 'de'
  const color = settings.branding.primaryColor
  const logo = logoPath(settings)
  const name = settings.controller.name
  let out = html
  if (color) {
    const style = `<style>:root{--brand:${color};--brand-ink:${inkOn(color)}}</style>`
    out = out.replace('</head>', `${style}\n</head>`)
  }
  if (logo || name) {
    // The name is written beside the logo: the image itself is decoration (empty alt text).
    const header = `<header class="brand">${logo ? `<img src="${esc(logo)}" alt="">` : ''}${
      name ? `<span class="brand-name">${esc(name)}</span>` : ''
    }</header>`
    out = out.replace(/<body>\n?/, (body) => `${body}${header}\n`)
  }
  const lines = identityLines(settings, lang)
  if (lines.length > 0) {
    const footer = `<footer class="brand-footer">${lines.map((l) => `<p>${esc(l)}</p>`).join('')}</footer>`
    const end = out.lastIndexOf('</body>')
    if (end !== -1) out = `${out.slice(0, end)}${footer}\n${out.slice(end)}`
  }
  return out
}
