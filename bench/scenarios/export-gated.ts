import { measure, type Scenario } from '../harness.ts'
import { createApiToken, prepareInstance } from '../support/tresor.ts'

/** What the recipient receives: contact data and the pseudonymous attributes, not names or bank data. */
const RECIPIENT = {
  name: 'Bench Mailer Inc.',
  role: 'processor',
  country: 'US',
  contractDate: '2025-01-15',
  mechanism: 'scc',
  sccModule: 2,
  sccDate: '2025-01-15',
  purposes: ['contact_management'],
  fieldCategories: ['contact', 'socio_demographic'],
}

/**
 * Issue #14's target: an export of 100,000 subjects to a recipient in a third country under SCC at
 * ≥ 20,000 rows/s. Over HTTP, as a user downloads it: `GET /api/v1/subjects/export?recipient=…`
 * with an API token of the admin — the transfer check, the recipient's categories, then page by page
 * the gate (role, purpose's legal basis per subject, audit record), the disclosure record of the
 * page's subjects, the decryption of the e-mail addresses and phone numbers, and the streaming CSV.
 * The body is read to the end and its rows counted; every run must return the same count. Each run
 * also downloads the same columns as an internal export (`internal_rows_per_s`): what the gating costs.
 */
export const exportGated: Scenario = {
  name: 'export-gated',
  description:
    'HTTP: GET /api/v1/subjects/export?recipient=<US recipient under SCC> of `scale` demo subjects as CSV ' +
    '(transfer check, gate and audit per page, disclosures recorded, e-mail and phone decrypted); rows/s and total ms.',
  defaultScale: 100_000,
  async run(ctx) {
    const instance = await ctx.instance('export-gated')
    ctx.log(`preparing ${ctx.scale.toLocaleString('en')} demo subjects (tresor demo)`)
    await prepareInstance(instance, ctx.scale)
    const token = await createApiToken(instance)
    const server = await ctx.startServer(instance, { args: ['--no-worker'] })
    const headers = { authorization: `Bearer ${token}` }
    const created = await fetch(`${server.baseUrl}/api/v1/recipients`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(RECIPIENT),
    })
    const recipient = (await created.json()) as { id: string; verdict: { lawful: boolean } }
    if (created.status !== 201 || !recipient.verdict.lawful)
      throw new Error(
        `the recipient was not recorded as lawful: ${created.status} ${JSON.stringify(recipient)}`,
      )
    const gated = `${server.baseUrl}/api/v1/subjects/export?format=csv&recipient=${recipient.id}`
    // The same columns exported internally: what the gating itself costs.
    const head = await fetch(gated, { headers })
    const header = (await head.text()).split(/\r?\n/)[0] ?? ''
    const columns = header
      .split(';')
      .slice(3)
      .map((c) => c.replace(/^"|"$/g, ''))
    const internal = `${server.baseUrl}/api/v1/subjects/export?format=csv&fields=${columns.join(',')}`

    /** Downloads the export to its end; its rows and milliseconds. */
    const download = async (url: string): Promise<{ rows: number; ms: number }> => {
      const started = performance.now()
      const res = await fetch(url, { headers })
      if (res.status !== 200 || !res.body)
        throw new Error(`export answered ${res.status}: ${await res.text()}`)
      let newlines = 0
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        for (const byte of chunk) if (byte === 10) newlines++
      // The header line, then one line per subject (no value of the demo data holds a newline).
      return { rows: newlines - 1, ms: performance.now() - started }
    }
    let expected: number | undefined
    return measure(
      ctx,
      'export-gated',
      { warmups: 1, runs: 3 },
      {
        export_rows_per_s: 'rows/s',
        export_ms: 'ms',
        exported_rows: 'rows',
        internal_rows_per_s: 'rows/s',
      },
      async () => {
        const { rows, ms } = await download(gated)
        if (rows < ctx.scale * 0.5) throw new Error(`only ${rows} of ${ctx.scale} subjects were exported`)
        if (expected !== undefined && rows !== expected)
          throw new Error(`one run exported ${expected} rows, another ${rows}`)
        expected = rows
        const plain = await download(internal)
        if (plain.rows !== rows)
          throw new Error(`the internal export has ${plain.rows} rows, the gated ${rows}`)
        return {
          export_rows_per_s: (rows / ms) * 1000,
          export_ms: ms,
          exported_rows: rows,
          internal_rows_per_s: (plain.rows / plain.ms) * 1000,
        }
      },
    )
  },
}
