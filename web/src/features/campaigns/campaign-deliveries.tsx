import { Anchor, Badge, Button, Card, Group, Select, Stack, Table, Text } from '@mantine/core'
import { Link } from '@tanstack/react-router'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { DELIVERY_STATUSES, type Delivery, type DeliveryStatus, fetchDeliveries } from './api'
import { ProblemAlert } from './campaign-panels'
import { useCampaignFormat } from './format'
import { useCampaignLabels } from './labels'

const DELIVERY_COLORS: Record<DeliveryStatus, string> = {
  queued: 'gray',
  sending: 'blue',
  sent: 'teal',
  delivered: 'green',
  bounced: 'orange',
  failed: 'red',
  skipped: 'gray',
}

/** The send ledger's rows, page by page, on demand: who (pseudonymous), what became of it, why. */
export function DeliveriesCard({ campaignId }: { campaignId: string }) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  const [status, setStatus] = useState<DeliveryStatus | undefined>(undefined)
  const [rows, setRows] = useState<Delivery[] | undefined>(undefined)
  const [next, setNext] = useState<string | null>(null)
  const [error, setError] = useState<unknown>()
  const [loading, setLoading] = useState(false)
  const load = async (after?: string, only = status) => {
    setLoading(true)
    try {
      const page = await fetchDeliveries(campaignId, { status: only, after })
      setRows((before) => (after ? [...(before ?? []), ...page.items] : page.items))
      setNext(page.nextCursor)
      setError(undefined)
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }
  return (
    <Card withBorder data-testid="campaign-deliveries">
      <Stack gap="xs">
        <Group justify="space-between" align="flex-end">
          <div>
            <Text fw={600}>{t('campaigns.deliveries.title')}</Text>
            <Text size="sm" c="dimmed">
              {t('campaigns.deliveries.help')}
            </Text>
          </div>
          <Group align="flex-end">
            <Select
              label={t('campaigns.deliveries.status')}
              placeholder={t('campaigns.deliveries.any')}
              data={DELIVERY_STATUSES.map((s) => ({
                value: s,
                label: t(`campaigns.deliveries.statuses.${s}`),
              }))}
              value={status ?? null}
              clearable
              onChange={(s) => {
                const only = (s ?? undefined) as DeliveryStatus | undefined
                setStatus(only)
                if (rows) void load(undefined, only)
              }}
            />
            <Button
              variant="light"
              onClick={() => void load()}
              loading={loading}
              data-testid="campaign-deliveries-load"
            >
              {rows ? t('campaigns.deliveries.reload') : t('campaigns.deliveries.show')}
            </Button>
          </Group>
        </Group>
        {error !== undefined && <ProblemAlert error={error} testId="campaign-deliveries-error" />}
        {rows && rows.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('campaigns.deliveries.none')}
          </Text>
        )}
        {rows && rows.length > 0 && (
          <Table.ScrollContainer minWidth={700}>
            <Table aria-label={t('campaigns.deliveries.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('campaigns.deliveries.contact')}</Table.Th>
                  <Table.Th>{t('campaigns.fields.channel')}</Table.Th>
                  <Table.Th>{t('campaigns.deliveries.status')}</Table.Th>
                  <Table.Th>{t('campaigns.deliveries.reason')}</Table.Th>
                  <Table.Th ta="right">{t('campaigns.deliveries.attempts')}</Table.Th>
                  <Table.Th>{t('campaigns.deliveries.sentAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr
                    key={`${r.subjectId}.${r.channel}`}
                    data-testid="campaign-delivery"
                    data-status={r.status}
                  >
                    <Table.Td>
                      <Anchor
                        size="sm"
                        ff="monospace"
                        renderRoot={(props) => (
                          <Link {...props} to="/contacts/$id" params={{ id: r.subjectId }} search={{}} />
                        )}
                      >
                        {r.subjectId.slice(0, 8)}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{labels.channel(r.channel)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={DELIVERY_COLORS[r.status]}>
                        {t(`campaigns.deliveries.statuses.${r.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.reason ? labels.reason(r.reason) : '–'}</Table.Td>
                    <Table.Td ta="right">{format.number(r.attempts)}</Table.Td>
                    <Table.Td>{format.dateTime(r.sentAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {next && (
          <Button variant="subtle" size="xs" onClick={() => void load(next)} loading={loading}>
            {t('campaigns.deliveries.more')}
          </Button>
        )}
      </Stack>
    </Card>
  )
}
