import { Alert, Badge, Group, Select, Stack, Table, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import type { ContactFormat } from './contact-format'
import {
  type Deal,
  type HiddenPart,
  INVOICE_STATUSES,
  type Invoice,
  invalidateOverview,
  isOneOf,
  moveDeal,
  type PipelineStage,
  pipelineStagesQueryOptions,
} from './contact-overview.api'
import { SectionCard } from './contact-section'

const INVOICE_COLORS: Record<(typeof INVOICE_STATUSES)[number], string> = {
  overdue: 'red',
  open: 'yellow',
  paid: 'gray',
}

/** Invoices, open and overdue first (as the server sorts them); paid ones follow, muted. */
export function InvoicesCard({
  invoices,
  hidden,
  format,
}: {
  invoices: Invoice[] | undefined
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const unpaid = invoices?.filter((invoice) => invoice.status !== 'paid') ?? []
  return (
    <SectionCard
      title={t('contact.parts.invoices')}
      hidden={hidden}
      testId="contact-invoices"
      action={
        invoices && (
          <Text size="sm" c="dimmed" data-testid="contact-invoices-open" data-count={unpaid.length}>
            {t('contact.invoices.open', { count: unpaid.length })}
          </Text>
        )
      }
    >
      {!invoices || invoices.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('contact.invoices.none')}
        </Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('contact.invoices.columns.number')}</Table.Th>
              <Table.Th>{t('contact.invoices.columns.status')}</Table.Th>
              <Table.Th ta="right">{t('contact.invoices.columns.amount')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoices.map((invoice) => (
              <Table.Tr
                key={invoice.id}
                data-testid="contact-invoice"
                data-status={invoice.status}
                c={invoice.status === 'paid' ? 'dimmed' : undefined}
              >
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {invoice.invoiceNumber}
                  </Text>
                  <Text size="xs" c={invoice.status === 'overdue' ? 'red' : 'dimmed'}>
                    {invoice.paidAt
                      ? t('contact.invoices.paidOn', { date: format.date(invoice.paidAt) })
                      : t('contact.invoices.dueOn', { date: format.date(invoice.dueOn) })}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge
                    size="sm"
                    variant={invoice.status === 'overdue' ? 'filled' : 'light'}
                    color={
                      isOneOf(INVOICE_STATUSES, invoice.status) ? INVOICE_COLORS[invoice.status] : 'gray'
                    }
                  >
                    {isOneOf(INVOICE_STATUSES, invoice.status)
                      ? t(`contact.invoices.statuses.${invoice.status}`)
                      : invoice.status}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" data-testid="contact-invoice-amount" style={{ whiteSpace: 'nowrap' }}>
                    {format.money(invoice.amountCents, invoice.currency)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </SectionCard>
  )
}

/** Deals with the contact; the stage can be changed right here. */
export function DealsCard({
  subjectId,
  deals,
  hidden,
  format,
}: {
  subjectId: string
  deals: Deal[] | undefined
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const stages = useQuery({
    ...pipelineStagesQueryOptions(),
    enabled: deals !== undefined && deals.length > 0,
  })
  return (
    <SectionCard title={t('contact.parts.deals')} hidden={hidden} testId="contact-deals">
      {!deals || deals.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('contact.deals.none')}
        </Text>
      ) : (
        <Stack gap="sm">
          {deals.map((deal) => (
            <DealRow key={deal.id} subjectId={subjectId} deal={deal} stages={stages.data} format={format} />
          ))}
        </Stack>
      )}
    </SectionCard>
  )
}

function DealRow({
  subjectId,
  deal,
  stages,
  format,
}: {
  subjectId: string
  deal: Deal
  stages: PipelineStage[] | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const move = useMutation({
    mutationFn: (stageKey: string) => moveDeal(subjectId, deal.id, stageKey),
    onSuccess: () => invalidateOverview(queryClient, subjectId),
  })
  const stage = stages?.find((s) => s.key === deal.stageKey)
  // The deal's own stage is always selectable, even before (or without) the list of stages.
  const options = stages?.length
    ? stages.map((s) => ({ value: s.key, label: s.name[format.language] }))
    : [{ value: deal.stageKey, label: deal.stageKey }]
  return (
    <Stack gap={4} data-testid="contact-deal" data-stage={deal.stageKey}>
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Stack gap={0}>
          <Text fw={500}>{deal.title}</Text>
          <Text size="sm" c="dimmed">
            {[
              deal.amountCents !== null ? format.money(deal.amountCents, deal.currency) : undefined,
              stage ? t('contact.deals.probability', { percent: stage.probability }) : undefined,
              deal.expectedCloseOn
                ? t('contact.deals.expectedClose', { date: format.date(deal.expectedCloseOn) })
                : undefined,
            ]
              .filter(Boolean)
              .join(' · ')}
          </Text>
        </Stack>
        <Select
          size="xs"
          w={200}
          label={t('contact.deals.stage')}
          aria-label={t('contact.deals.stageOf', { title: deal.title })}
          data={options}
          value={move.isPending ? (move.variables ?? deal.stageKey) : deal.stageKey}
          allowDeselect={false}
          disabled={move.isPending}
          onChange={(value) => {
            if (value && value !== deal.stageKey) move.mutate(value)
          }}
          data-testid="contact-deal-stage"
        />
      </Group>
      {move.isError && (
        <Alert color="red" variant="light" p="xs" data-testid="contact-deal-error">
          <Text size="sm">{t('contact.deals.moveFailed')}</Text>
        </Alert>
      )}
    </Stack>
  )
}
