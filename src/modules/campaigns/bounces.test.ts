import { describe, expect, it } from 'vitest'
import { BounceFormatError, bounceFromProvider, parseBounceMessage } from './bounces.ts'

const report = (parts: string[], type = 'delivery-status') =>
  [
    'From: MAILER-DAEMON@mx.example.test',
    `Content-Type: multipart/report; report-type=${type};`,
    ' boundary="XYZ"',
    '',
    'preamble',
    ...parts.flatMap((p) => ['--XYZ', p]),
    '--XYZ--',
    '',
  ].join('\r\n')

const status = (action: string, code: string, extra = '') =>
  [
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    extra,
    '',
    'Final-Recipient: rfc822; someone@example.test',
    `Action: ${action}`,
    `Status: ${code}`,
    '',
  ].join('\r\n')

const returned = (messageId: string) =>
  [
    'Content-Type: message/rfc822',
    '',
    'From: a@b.test',
    `Message-ID: ${messageId}`,
    'Subject: x',
    '',
    'body',
    '',
  ].join('\r\n')

describe('bounce reports', () => {
  it('reads a hard bounce (RFC 3464) and the returned message id, never the address', () => {
    const r = parseBounceMessage(report([status('failed', '5.1.1'), returned('<abc@crm.test>')]))
    expect(r).toEqual({ messageIds: ['<abc@crm.test>'], kind: 'hard', status: '5.1.1' })
    expect(JSON.stringify(r)).not.toContain('someone')
  })

  it('reads a delayed delivery as a soft bounce, and an Original-Message-ID of the report', () => {
    const r = parseBounceMessage(report([status('delayed', '4.2.2', 'Original-Message-ID: <orig@crm.test>')]))
    expect(r).toEqual({ messageIds: ['<orig@crm.test>'], kind: 'soft', status: '4.2.2' })
  })

  it('reads a base64-encoded status part and text/rfc822-headers', () => {
    const body = Buffer.from(
      'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; x@y.test\r\nAction: failed\r\nStatus: 5.2.1\r\n',
    ).toString('base64')
    const r = parseBounceMessage(
      report([
        `Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n${body}\r\n`,
        'Content-Type: text/rfc822-headers\r\n\r\nMessage-ID:\r\n <folded@crm.test>\r\n',
      ]),
    )
    expect(r).toEqual({ messageIds: ['<folded@crm.test>'], kind: 'hard', status: '5.2.1' })
  })

  it('reads an ARF complaint (RFC 5965)', () => {
    const r = parseBounceMessage(
      report(
        [
          'Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: x/1\r\n',
          returned('<c@crm.test>'),
        ],
        'feedback-report',
      ),
    )
    expect(r).toEqual({ messageIds: ['<c@crm.test>'], kind: 'complaint', status: 'abuse' })
  })

  it('refuses what is no report, or names no message', () => {
    expect(() => parseBounceMessage('Subject: hi\r\n\r\nhello')).toThrow(BounceFormatError)
    expect(() => parseBounceMessage(report([status('failed', '5.1.1')]))).toThrow(/names no original message/)
    expect(() =>
      parseBounceMessage(report([status('delivered', '2.0.0'), returned('<d@crm.test>')])),
    ).toThrow(/no failed or delayed/)
  })

  it('takes a provider webhook with a status code only', () => {
    expect(bounceFromProvider({ messageId: 'p-1', type: 'hard', status: '550' })).toEqual({
      messageIds: ['p-1'],
      kind: 'hard',
      status: '550',
    })
    expect(() =>
      bounceFromProvider({ messageId: 'p-1', type: 'hard', status: 'user x@y.test unknown' }),
    ).toThrow(BounceFormatError)
  })
})
