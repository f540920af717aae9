import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { Lang } from './client-info.ts'
import type { LiveForm } from './form.service.ts'
import { LEGAL_BASIS_LABELS, NOTICE_TEXTS } from './form-texts.ts'

/** One section of the Art. 13 notice. */
export interface NoticeSection {
  heading: string
  paragraphs: string[]
}

/**
 * The information given where the data is collected (Art. 13): the controller and the recipients
 * as the form states them; purposes, legal bases and retention from the purpose registry (always
 * what the DPO maintains there); the rights and, in its own section, the right to object (Art.
 * 21(4): presented clearly and separately from other information).
 */
export function composeNotice(live: LiveForm, lang: Lang): NoticeSection[] {
  const t = NOTICE_TEXTS[lang]
  const purposes: Purpose[] = [
    ...(live.purpose ? [live.purpose] : []),
    ...live.consents.map((c) => c.purpose),
  ]
  return [
    { heading: t.controller, paragraphs: [live.form.notice.controller[lang]] },
    {
      heading: t.purposes,
      paragraphs: purposes.map(
        (p) =>
          `${p.name[lang]}: ${p.description[lang]} ${t.legalBasis}: ${LEGAL_BASIS_LABELS[p.legalBasis][lang]}. ${t.retention}: ${p.retention.rule[lang]}`,
      ),
    },
    { heading: t.recipients, paragraphs: [live.form.notice.recipients[lang]] },
    { heading: t.rights, paragraphs: [t.voluntary, t.rightsText] },
    { heading: t.objection, paragraphs: [t.objectionText] },
  ]
}
