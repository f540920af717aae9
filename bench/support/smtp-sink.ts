// A local SMTP sink for the campaign-send bench, in its own process (forked with IPC) so that it
// doesn't share the sender's event loop. A minimal SMTP responder on raw sockets (EHLO with
// PIPELINING, MAIL, RCPT, DATA, RSET, NOOP, QUIT): it accepts every mail, so the figure is the
// sender's, not a full SMTP server's parsing. Counts the mails and the distinct Message-IDs and
// answers `{ count, distinct }` to any IPC message. Prints nothing.
import { createServer } from 'node:net'

let count = 0
const ids = new Set<string>()

const server = createServer((socket) => {
  socket.setNoDelay(true)
  let buffer = ''
  let inData = false
  let messageId: string | undefined
  socket.write('220 sink ESMTP\r\n')
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1')
    let out = ''
    for (;;) {
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n')
        const head = end === -1 ? buffer : buffer.slice(0, end)
        if (messageId === undefined) messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(head.slice(0, 8192))?.[1]
        if (end === -1) {
          // Keep only a tail that may hold the start of the terminator.
          if (buffer.length > 8) buffer = buffer.slice(-8)
          break
        }
        buffer = buffer.slice(end + 5)
        inData = false
        count++
        if (messageId) ids.add(messageId)
        messageId = undefined
        out += '250 2.0.0 queued\r\n'
        continue
      }
      const eol = buffer.indexOf('\r\n')
      if (eol === -1) break
      const line = buffer.slice(0, eol)
      buffer = buffer.slice(eol + 2)
      const verb = line.slice(0, 4).toUpperCase()
      if (verb === 'EHLO') out += '250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n'
      else if (verb === 'HELO') out += '250 sink\r\n'
      else if (verb === 'DATA') {
        inData = true
        messageId = undefined
        out += '354 go ahead\r\n'
      } else if (verb === 'QUIT') {
        socket.end('221 bye\r\n')
        return
      } else out += '250 ok\r\n'
    }
    if (out) socket.write(out)
  })
  socket.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
})
process.on('message', () => process.send?.({ count, distinct: ids.size }))
process.on('disconnect', () => process.exit(0))
