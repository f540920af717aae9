import { Button, Card, Group, Stack, Table, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { type Campaign, campaignKeys, downloadPrintList, printListsQueryOptions } from './api'
import { ProblemAlert, ReasonList } from './campaign-panels'
import { useCampaignFormat } from './format'

/**
 * A post campaign's print lists for its letter shop: download one (CSV or Excel; a disclosure the
 * server checks against the recipients registry and records), and the ones handed over so far.
 */
export function PrintListsCard({ campaign, canManage }: { campaign: Campaign; canManage: boolean }) {
  const { t } = useTranslation()
  const format = useCampaignFormat()
  const queryClient = useQueryClient()
  const lists = useQuery(printListsQueryOptions(campaign.id, true))
  const download = useMutation({
    mutationFn: (kind: 'csv' | 'xlsx') => downloadPrintList(campaign.id, kind),
    onSettled: () =>
      queryClient.invalidateQueries({ queryKey: [...campaignKeys.one(campaign.id), 'print-lists'] }),
  })
  return (
    <Card withBorder data-testid="campaign-print-lists">
      <Stack gap="xs">
        <Text fw={600}>{t('campaigns.printLists.title')}</Text>
        <Text size="sm" c="dimmed">
          {t('campaigns.printLists.help')}
        </Text>
        {canManage && (
          <Group>
            <Button
              variant="light"
              size="xs"
              onClick={() => download.mutate('csv')}
              loading={download.isPending && download.variables === 'csv'}
              data-testid="campaign-print-list-csv"
            >
              {t('campaigns.printLists.csv')}
            </Button>
            <Button
              variant="light"
              size="xs"
              onClick={() => download.mutate('xlsx')}
              loading={download.isPending && download.variables === 'xlsx'}
              data-testid="campaign-print-list-xlsx"
            >
              {t('campaigns.printLists.xlsx')}
            </Button>
          </Group>
        )}
        {download.isError && <ProblemAlert error={download.error} testId="campaign-print-list-error" />}
        {(lists.data ?? []).length > 0 && (
          <Table aria-label={t('campaigns.printLists.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('campaigns.printLists.when')}</Table.Th>
                <Table.Th>{t('campaigns.printLists.format')}</Table.Th>
                <Table.Th ta="right">{t('campaigns.printLists.rows')}</Table.Th>
                <Table.Th>{t('campaigns.printLists.leftOut')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(lists.data ?? []).map((l) => (
                <Table.Tr key={l.id} data-testid="campaign-print-list">
                  <Table.Td>{format.dateTime(l.createdAt)}</Table.Td>
                  <Table.Td>{l.format.toUpperCase()}</Table.Td>
                  <Table.Td ta="right">{format.number(l.rows)}</Table.Td>
                  <Table.Td>{l.leftOut === 0 ? '–' : <ReasonList counts={l.leftOutBy} />}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  )
}
