import type { Writable } from 'node:stream'
import type {
  CampaignChannelKernel,
  PrintListSummary,
} from '../../../privacy/campaign-channels/campaign-channels.service.ts'
import type { RequestContext } from '../../../privacy/gate/request-context.ts'
import { writeCsv, writeXlsx } from '../../spreadsheets/write-table.ts'

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

/** A print list checked and begun: what the answer says about it, and the writing. */
export interface PrintListDownload {
  filename: string
  contentType: string
  columns: string[]
  recipient: { id: string; name: string; country: string }
  write(out: Writable): Promise<PrintListSummary>
}

/**
 * The letter shop's print list of a post campaign (CSV for German Excel — UTF-8 with BOM, `;` — or
 * XLSX): the people on the list (the post sender put them there), re-checked through the gate at
 * download under the channel's purpose on `post`, as a disclosure to the campaign's letter shop (the
 * transfer check first; each page's subjects recorded as disclosed). Columns: `reference` (the
 * pseudonymous subject id, for returned mail), firstName, lastName, street, postalCode, city,
 * countryCode. Cells a spreadsheet would run as a formula are neutralised.
 */
export class PrintListService {
  readonly #kernel: CampaignChannelKernel
  constructor(kernel: CampaignChannelKernel) {
    this.#kernel = kernel
  }

  /** Checks everything (404, 409, 403 problems) and reads the first page before anything is written. */
  async start(
    ctx: RequestContext,
    request: { campaignId: string; format: 'csv' | 'xlsx' },
  ): Promise<PrintListDownload> {
    const started = await this.#kernel.startPrintList(ctx, request)
    const stamp = new Date().toISOString().slice(0, 10)
    return {
      filename: `print-list-${request.campaignId.toLowerCase().slice(0, 8)}-${stamp}.${request.format}`,
      contentType: request.format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8',
      columns: started.columns,
      recipient: started.recipient,
      write: async (out) => {
        if (request.format === 'xlsx')
          await writeXlsx(out, started.columns, started.rows(), { sheetName: 'Print list' })
        else await writeCsv(out, started.columns, started.rows())
        return started.finish()
      },
    }
  }

  /** Writes the whole print list to `out` (the CLI). */
  async download(
    ctx: RequestContext,
    request: { campaignId: string; format: 'csv' | 'xlsx' },
    out: Writable,
  ) {
    return (await this.start(ctx, request)).write(out)
  }

  /** The print lists handed out for the campaign, newest first. */
  list(campaignId: string) {
    return this.#kernel.printLists(campaignId)
  }
}
