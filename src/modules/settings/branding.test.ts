import { describe, expect, it } from 'vitest'
import { brandPublicPage, controllerNotice, identityLines, inkOn, mailBranding } from './branding.ts'
import type { InstallationSettings } from './settings.service.ts'

const settings = (over: Partial<InstallationSettings> = {}): InstallationSettings => ({
  controller: { name: null, address: null, email: null },
  dpo: { name: null, email: null, address: null },
  branding: { primaryColor: null, logo: null },
  timeZone: 'Europe/Berlin',
  version: 1,
  updatedAt: new Date(0),
  ...over,
})

const PAGE = `<!doctype html>
<html lang="en">
<head>
<style>body{}</style>
</head>
<body>
<h1>Title</h1>
</body>
</html>
`

describe('branding', () => {
  it('leaves a page without settings as it is', () => {
    expect(brandPublicPage(PAGE, settings())).toBe(PAGE)
    expect(controllerNotice(settings())).toBeUndefined()
    expect(identityLines(settings(), 'de')).toEqual([])
  })

  it('escapes what the settings say on the page', () => {
    const page = brandPublicPage(
      PAGE,
      settings({ controller: { name: '<script>alert(1)</script> & Co', address: null, email: null } }),
    )
    expect(page).not.toContain('<script>')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co')
    expect(page).toMatch(/<body>\n<header class="brand">/)
    expect(page).toMatch(/<footer class="brand-footer"><p>Controller: &lt;script&gt;/)
  })

  it('names the controller and the DPO in one line each, addresses on one line', () => {
    const s = settings({
      controller: {
        name: 'Beispiel GmbH',
        address: 'Musterstraße 1\n\n10115 Berlin ',
        email: 'info@beispiel.example',
      },
      dpo: { name: null, email: 'dsb@beispiel.example', address: null },
    })
    expect(controllerNotice(s)).toEqual({
      de: 'Verantwortlich: Beispiel GmbH, Musterstraße 1, 10115 Berlin, info@beispiel.example. Datenschutzbeauftragte(r): dsb@beispiel.example.',
      en: 'Controller: Beispiel GmbH, Musterstraße 1, 10115 Berlin, info@beispiel.example. Data protection officer: dsb@beispiel.example.',
    })
    expect(identityLines(s, 'en')).toEqual([
      'Controller: Beispiel GmbH, Musterstraße 1, 10115 Berlin, info@beispiel.example',
      'Data protection officer: dsb@beispiel.example',
    ])
  })

  it('writes white on dark colours and near black on light ones', () => {
    expect(inkOn('#1f4e8c')).toBe('#ffffff')
    expect(inkOn('#0a7c55')).toBe('#ffffff')
    expect(inkOn('#f5d142')).toBe('#1a1a1a')
    expect(inkOn('#ffffff')).toBe('#1a1a1a')
  })

  it('points mails at the logo under the public URL, with its version', () => {
    const s = settings({
      branding: {
        primaryColor: '#123456',
        logo: { mediaType: 'image/png', sha256: 'ab'.repeat(32), size: 10 },
      },
    })
    expect(mailBranding(s, 'https://crm.example.test/')).toEqual({
      name: null,
      logoUrl: 'https://crm.example.test/p/logo?v=abababababababab',
      primaryColor: '#123456',
      timeZone: 'Europe/Berlin',
    })
  })
})
