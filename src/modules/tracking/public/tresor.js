/*! Tresor web tracking snippet. Sends page views to Tresor only after the visitor's consent;
 * honours Global Privacy Control; passes the site CMP's TCF string. No cookies, no storage, no
 * dependencies. Configure it on its script tag:
 *   data-subject       the signed-in visitor's Tresor subject id (without it nothing is sent)
 *   data-key           the site key (an API token with only events:write); omit behind a proxy
 *   data-endpoint      where to send (default: /api/v1/track on the script's own origin)
 *   data-source        the site's name in Tresor's counts (default: the page's host name)
 *   data-text-version  the version of the banner text the visitor agrees to (banner mode)
 *   data-consent       "granted" when the page already knows the visitor's yes
 *   data-tcf-purposes  the TCF purposes that must be consented (default 1,8,9, as on the server)
 *   data-dry-run       send nothing; only report what would be sent (event `tresor:track`)
 * API: Tresor.consent(true|false), Tresor.pageView(properties?), Tresor.state(); calls made before
 * the script loaded can be queued: window.tresorQueue = [['consent', true]].
 */
;(() => {
  const script = document.currentScript
  const data = script?.dataset || {}
  const config = {
    endpoint: data.endpoint || new URL('/api/v1/track', script ? script.src : location.href).href,
    key: data.key,
    subject: data.subject,
    source: data.source || location.hostname || 'website',
    textVersion: data.textVersion,
    tcfPurposes: (data.tcfPurposes || '1,8,9').split(',').map(Number),
    dryRun: data.dryRun !== undefined && data.dryRun !== 'false',
  }
  // The browser's "do not sell or share": an opt-out that wins over everything (LEGAL.md).
  const gpc = navigator.globalPrivacyControl === true
  /** pending → granted | refused; gpc for good. */
  let consent = gpc ? 'gpc' : 'pending'
  let tcString

  const report = (detail) => window.dispatchEvent(new CustomEvent('tresor:track', { detail }))

  function send(body) {
    if (!config.subject) {
      report({ status: 'skipped', reason: 'no data-subject: anonymous visitors are not tracked' })
      return
    }
    const payload = Object.assign({ subjectId: config.subject, source: config.source }, body)
    if (config.dryRun) {
      report({ status: 'dry-run', payload })
      return
    }
    const headers = { 'content-type': 'application/json' }
    if (config.key) headers.authorization = `Bearer ${config.key}`
    fetch(config.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(payload),
      keepalive: true,
      mode: 'cors',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    })
      .then((res) => res.json().then((result) => report({ status: res.status, payload, result })))
      .catch(() => report({ status: 'failed', payload }))
  }

  /** The consent signal that goes with every request: the CMP's TC string, else the banner's yes. */
  const signal = () =>
    tcString ? { tcString } : { consent: { granted: true, textVersion: config.textVersion } }

  function pageView(properties) {
    if (consent !== 'granted') return false
    const event = { type: 'page_view', properties: { path: location.pathname } }
    // Only another site's host name: the full referring URL may carry personal data.
    if (document.referrer) {
      const from = new URL(document.referrer)
      if (from.origin !== location.origin) event.properties.referrer = from.hostname
    }
    Object.assign(event.properties, properties || {})
    send(Object.assign({ events: [event] }, signal()))
    return true
  }

  function setConsent(granted) {
    if (granted) {
      if (consent === 'gpc' || consent === 'granted') return consent === 'granted'
      if (!tcString && !config.textVersion) {
        report({ status: 'skipped', reason: 'no data-text-version: the consent cannot be proven' })
        return false
      }
      consent = 'granted'
      pageView()
      return true
    }
    if (consent !== 'gpc') consent = 'refused'
    // Art. 7(3): a no withdraws a consent Tresor recorded, as easily as it was given.
    send(tcString ? { events: [], tcString } : { events: [], consent: { granted: false } })
    return false
  }

  // A CMP speaking IAB TCF v2: its answer is the consent signal, and its string goes along.
  if (!gpc && typeof window.__tcfapi === 'function') {
    window.__tcfapi('addEventListener', 2, (tcData, success) => {
      if (!success || !tcData || tcData.gdprApplies === false) return
      if (tcData.eventStatus !== 'tcloaded' && tcData.eventStatus !== 'useractioncomplete') return
      const consents = tcData.purpose?.consents || {}
      tcString = tcData.tcString
      if (config.tcfPurposes.every((p) => consents[p] === true)) setConsent(true)
      else if (tcData.eventStatus === 'useractioncomplete') setConsent(false)
      else consent = 'refused'
    })
  }

  const api = {
    consent: setConsent,
    pageView,
    state: () => ({ consent, gpc, tcf: Boolean(tcString) }),
  }
  window.Tresor = api
  const queued = Array.isArray(window.tresorQueue) ? window.tresorQueue : []
  window.tresorQueue = { push: ([name, ...args]) => api[name]?.(...args) }
  if (data.consent === 'granted') setConsent(true)
  for (const call of queued) window.tresorQueue.push(call)
})()
