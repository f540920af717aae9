import type { RetentionRuleService } from '../../privacy/retention/retention-rule.service.ts'
import { type DocumentFormat, type DocumentLanguage, deletionConceptDocument } from './deletion-concept.ts'
import { deletionConceptHtml } from './deletion-concept-html.ts'
import { deletionConceptPdf } from './deletion-concept-pdf.ts'

/** A generated file: its bytes, content type and the name to save it as. */
export interface GeneratedDocument {
  body: Buffer
  contentType: string
  filename: string
}

const FILE_NAMES: Record<DocumentLanguage, string> = { de: 'loeschkonzept', en: 'deletion-concept' }

/**
 * The deletion concept document (de/en, HTML or PDF), generated from the retention rules as they
 * stand: what the company shows its auditor, never edited by hand.
 */
export class DeletionConceptService {
  readonly #rules: RetentionRuleService
  readonly #controllerName: () => Promise<string | undefined>
  readonly #now: () => Date

  constructor(deps: {
    rules: RetentionRuleService
    /** The controller's name from the installation's settings; undefined while not set. */
    controllerName: () => Promise<string | undefined>
    now?: () => Date
  }) {
    this.#rules = deps.rules
    this.#controllerName = deps.controllerName
    this.#now = deps.now ?? (() => new Date())
  }

  async document(lang: DocumentLanguage, format: DocumentFormat): Promise<GeneratedDocument> {
    const now = this.#now()
    const controllerName = await this.#controllerName()
    const doc = deletionConceptDocument(await this.#rules.list(), { lang, controllerName, now })
    const filename = `${FILE_NAMES[lang]}-${now.toISOString().slice(0, 10)}.${format}`
    if (format === 'pdf')
      return { body: await deletionConceptPdf(doc, controllerName), contentType: 'application/pdf', filename }
    return {
      body: Buffer.from(deletionConceptHtml(doc), 'utf8'),
      contentType: 'text/html; charset=utf-8',
      filename,
    }
  }
}
