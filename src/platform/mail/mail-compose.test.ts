import { afterAll, describe, expect, it } from 'vitest'
import { type ComposableMail, ComposePool, composer } from './mail-compose.ts'

const mail = (i: number): ComposableMail => ({
  from: 'Tresor <news@test.example>',
  to: `person${i}@test.example`,
  subject: `Neu für Nummer ${i}`,
  text: `Hallo ${i},\n\nunsere Angebote.\n`,
  html: `<p>Hallo ${i},</p>`,
  messageId: `<m${i}@test.example>`,
  headers: { 'List-Unsubscribe': `<https://crm.test.example/u/${i}>` },
})

/** Issue #17: a bulk sender's mails built on worker threads, each answer for its own mail. */
describe('the mail composer pool', () => {
  const pool = new ComposePool(2)
  afterAll(() => pool.close())

  it('composes mails asked for together, each into its own message, as this thread would', async () => {
    const built = await Promise.all(Array.from({ length: 60 }, (_, i) => pool.compose(mail(i))))
    built.forEach((b, i) => {
      const text = b.message.toString('utf8')
      expect(b.messageId).toBe(`<m${i}@test.example>`)
      expect(b.envelope).toEqual({ from: 'news@test.example', to: [`person${i}@test.example`] })
      expect(text).toContain(`Message-ID: <m${i}@test.example>`)
      expect(text).toContain(`To: person${i}@test.example`)
      expect(text).toContain(`List-Unsubscribe: <https://crm.test.example/u/${i}>`)
      expect(text).toContain('\r\n')
    })
    const here = composer()
    const local = await here.compose(mail(7))
    here.close()
    // The same message but for the Date header and the MIME boundaries, which differ per build.
    const normalise = (s: string) =>
      s
        .replace(/^Date: .*$/m, '')
        .replace(/--_NmP-[0-9a-f-]+/g, '--B')
        .replace(/boundary="[^"]+"/g, 'boundary')
    expect(normalise(built[7]?.message.toString('utf8') ?? '')).toBe(
      normalise(local.message.toString('utf8')),
    )
  })

  it('refuses work once closed', async () => {
    const closed = new ComposePool(1)
    await closed.close()
    await expect(closed.compose(mail(1))).rejects.toThrow(/closed/)
  })
})
