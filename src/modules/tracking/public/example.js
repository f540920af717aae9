// The example's consent banner (see example.de.html / example.en.html). It keeps the answer in this
// page's memory only: a real banner may remember a yes after the visitor gave it, never before.
;(() => {
  const $ = (id) => document.getElementById(id)
  const banner = $('banner')
  const status = $('status')
  const log = $('log')

  const show = () => {
    const state = window.Tresor.state()
    status.textContent = status.dataset[state.consent] || state.consent
    banner.hidden = state.consent !== 'pending'
  }

  // What the snippet sends (or, in this dry run, would send), newest first.
  window.addEventListener('tresor:track', (event) => {
    const line = JSON.stringify(event.detail, null, 2)
    log.textContent = log.textContent === '–' ? line : `${line}\n\n${log.textContent}`
  })

  $('accept').addEventListener('click', () => {
    window.Tresor.consent(true)
    show()
  })
  $('refuse').addEventListener('click', () => {
    window.Tresor.consent(false)
    show()
  })
  $('reopen').addEventListener('click', () => {
    banner.hidden = false
  })
  $('page-view').addEventListener('click', () => {
    if (!window.Tresor.pageView()) show()
  })
  show()
})()
