import { Badge, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { sessionQueryOptions } from '../auth/auth.api'
import { type ObjectionInForce, PERMISSION_SOURCES, parseProofGap } from './consent.api'
import type { ConsentRow } from './consent-rows'
import type { ContactFormat } from './contact-format'
import { DENIAL_RULES, type Decision, isOneOf } from './contact-overview.api'
import { HISTORY_ACTOR_TYPES } from './subject-history.api'

/** How it reached us, translated ("phone" -> "Phone" / "Telefon"); unknown sources as sent. */
export function useSourceLabel(): (source: string | null | undefined) => string {
  const { t } = useTranslation()
  return (source) => {
    if (!source) return t('common.emptyValue')
    return isOneOf(PERMISSION_SOURCES, source) ? t(`consents.sources.${source}`) : source
  }
}

/** Who recorded it: "You" for the signed-in user, else the kind of actor and a short id. */
export function useActorLabel(): (actor: { type: string; id: string; name?: string }) => string {
  const { t } = useTranslation()
  const me = useQuery(sessionQueryOptions)
  return (actor) => {
    if (actor.type === 'user' && actor.id === me.data?.id)
      return t('consents.proof.you', { email: me.data.email })
    const type = isOneOf(HISTORY_ACTOR_TYPES, actor.type) ? t(`history.actorTypes.${actor.type}`) : actor.type
    if (actor.name) return `${type} · ${actor.name}`
    const id = actor.id.length > 20 ? `${actor.id.slice(0, 8)}…` : actor.id
    return `${type} · ${id}`
  }
}

/** A gap of the proof, translated where the UI knows the server's words. */
export function useGapLabel(): (gap: string) => string {
  const { t } = useTranslation()
  const sourceLabel = useSourceLabel()
  return (gap) => {
    const parsed = parseProofGap(gap)
    if (!parsed) return gap
    if (parsed.type === 'noReference')
      return t('consents.gaps.noReference', { source: sourceLabel(parsed.source) })
    return t(`consents.gaps.${parsed.type}`)
  }
}

/** May it be used now: the gate's decision (objections and restriction included), else the consent alone. */
export function UsableBadge({ decision, row }: { decision: Decision | undefined; row: ConsentRow }) {
  const { t } = useTranslation()
  const allowed = decision ? decision.allowed : row.state?.counts
  const rule = decision ? decision.rule : row.state?.rule
  if (allowed === undefined)
    return (
      <Text span size="sm" c="dimmed">
        {t('common.emptyValue')}
      </Text>
    )
  if (allowed)
    return (
      <Badge
        size="sm"
        variant="light"
        color="green"
        tt="none"
        data-testid="consent-usable"
        data-usable="true"
      >
        {t('contact.permissions.allowed')}
      </Badge>
    )
  // Why not, in words: a calm line rather than another badge.
  return (
    <Text span size="sm" c="dimmed" title={decision?.reason} data-testid="consent-usable" data-usable="false">
      {isOneOf(DENIAL_RULES, rule)
        ? t(`contact.permissions.denials.${rule}`)
        : t('contact.permissions.denied')}
    </Text>
  )
}

/** What an objection covers, in words: all marketing, one channel, one purpose. */
export function useObjectionScopeLabel(format: ContactFormat) {
  const { t } = useTranslation()
  return (o: Pick<ObjectionInForce, 'scope' | 'channel' | 'purposeKey'>) => {
    if (o.scope === 'all_marketing') return t('consents.objections.scope.all_marketing')
    if (o.scope === 'channel')
      return t('consents.objections.scope.channelOf', { channel: format.channel(o.channel ?? '') })
    if (o.scope === 'purpose')
      return t('consents.objections.scope.purposeOf', { purpose: format.purpose(o.purposeKey ?? '') })
    return o.scope
  }
}
