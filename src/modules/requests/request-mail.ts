import type { OutgoingMail } from '../../platform/mail/mailer.ts'
import type { DsrRequest } from '../../privacy/requests/dsr-request.service.ts'
import { esc } from '../forms/form-page.ts'

/**
 * "There is news about your request": the answer is ready, or the request was refused or extended.
 * German and English in one mail (the person's language isn't known for every request), and
 * nothing personal beyond the link to sign in to the portal: the answer itself is there, for the
 * signed-in person only. Transactional: no unsubscribe, sent whatever the consents are.
 */
export function requestNewsMail(input: { to: string; portalUrl: string }): OutgoingMail {
  const de = [
    'Guten Tag,',
    '',
    'es gibt Neuigkeiten zu Ihrer Datenschutzanfrage: Ihre Antwort ist bereit oder wir haben Ihnen etwas dazu mitgeteilt.',
    'Melden Sie sich im Datenschutzportal an, um sie zu sehen (Sie erhalten dort einen Anmeldelink per E-Mail):',
    input.portalUrl,
  ]
  const en = [
    'Hello,',
    '',
    'there is news about your data protection request: your answer is ready, or we have told you something about it.',
    'Sign in to the privacy portal to see it (it mails you a sign-in link):',
    `${input.portalUrl}?lang=en`,
  ]
  const text = [...de, '', '---', '', ...en, ''].join('\n')
  const html = `<!doctype html><html lang="de"><body style="font-family:sans-serif;line-height:1.5">
<p>${esc(de[0] ?? '')}</p><p>${esc(de[2] ?? '')}</p><p>${esc(de[3] ?? '')}<br><a href="${esc(input.portalUrl)}">${esc(input.portalUrl)}</a></p>
<hr><div lang="en"><p>${esc(en[0] ?? '')}</p><p>${esc(en[2] ?? '')}</p><p>${esc(en[3] ?? '')}<br><a href="${esc(`${input.portalUrl}?lang=en`)}">${esc(`${input.portalUrl}?lang=en`)}</a></p></div>
</body></html>`
  return {
    to: input.to,
    subject: 'Ihre Datenschutzanfrage / Your data protection request',
    text,
    html,
    lang: 'de',
  }
}

/**
 * Art. 12(3): the DPO's warning of requests due soon — ids, kinds and due dates only (no names:
 * the inbox shows them to whoever signs in).
 */
export function deadlineWarningMail(input: {
  to: string
  requests: readonly DsrRequest[]
  now: Date
  days: number
  inboxUrl: string
}): OutgoingMail {
  const lines = input.requests.map((r) => {
    const overdue = r.dueAt.getTime() < input.now.getTime()
    return `- ${r.dueAt.toISOString().slice(0, 10)}${overdue ? ' (overdue / überfällig)' : ''}: ${r.kind}, ${r.status}, dsr:${r.id}`
  })
  const text = [
    `${input.requests.length} data subject request(s) due within ${input.days} days (Art. 12(3) GDPR) / ${input.requests.length} Anfrage(n) betroffener Personen in den nächsten ${input.days} Tagen fällig:`,
    '',
    ...lines,
    '',
    input.inboxUrl,
    '',
  ].join('\n')
  return {
    to: input.to,
    subject: `Tresor: ${input.requests.length} request(s) due soon / Anfragen bald fällig`,
    text,
    lang: 'en',
  }
}

/**
 * A text told to the person directly by mail, in their language: the answer to an erasure request
 * (after it, the person can't sign in to the portal any more: the address is read before the
 * erasure and used once) or the Art. 18(3) notice before a restriction is lifted. The text holds no
 * personal values (docs/adr/0021). Transactional.
 */
export function answerTextMail(input: {
  to: string
  lang: 'de' | 'en'
  subject: { de: string; en: string }
  text: string
  controller: string | null
}): OutgoingMail {
  const greeting = input.lang === 'de' ? 'Guten Tag,' : 'Hello,'
  const closing = input.controller
    ? input.lang === 'de'
      ? `Mit freundlichen Grüßen\n${input.controller}`
      : `Kind regards\n${input.controller}`
    : ''
  const text = [greeting, '', input.text, '', closing, ''].join('\n')
  const html = `<!doctype html><html lang="${input.lang}"><body style="font-family:sans-serif;line-height:1.5">
${[greeting, ...input.text.split('\n'), ...closing.split('\n')].map((l) => `<p>${esc(l)}</p>`).join('\n')}
</body></html>`
  return { to: input.to, subject: input.subject[input.lang], text, html, lang: input.lang }
}
