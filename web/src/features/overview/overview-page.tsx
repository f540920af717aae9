import { Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useQuery, useSuspenseQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { sessionQueryOptions } from '../auth/auth.api'
import { usePermissions } from '../auth/permissions'
import { subjectTotalQueryOptions } from '../subjects/subjects.api'
import { dashboardQueryOptions } from './dashboard.api'
import {
  ConsentCoverageCard,
  ConsentWeeksCard,
  ContactsByKindCard,
  RecentImportsCard,
  RequestsDueCard,
} from './dashboard-cards'

/**
 * The start page: what each role needs first. The DPO: the open requests by due date; everyone who
 * reads contacts: how many of each kind, consents given and withdrawn per week, consents in force
 * per purpose; those who import: the latest imports. Counts only (GET /api/v1/dashboard).
 */
export function OverviewPage() {
  const { t } = useTranslation()
  const { data: user } = useSuspenseQuery(sessionQueryOptions)
  const { can } = usePermissions()
  const dashboard = useQuery(dashboardQueryOptions())
  const data = dashboard.data
  return (
    <Stack gap="lg">
      <div>
        <Title order={1} size="h2">
          {t('overview.welcome', { name: user.displayName ?? user.email })}
        </Title>
        <Text c="dimmed">{t('overview.intro')}</Text>
      </div>
      {dashboard.isError && (
        <ErrorState
          error={dashboard.error}
          onRetry={() => void dashboard.refetch()}
          testId="overview-error"
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <ContactsCountCard />
        {data?.requests && <RequestsDueCard due={data.requests} />}
        {can('subjects:import') && <RecentImportsCard />}
      </SimpleGrid>
      {dashboard.isPending ? (
        <Group justify="center" py="md">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Group>
      ) : (
        data && (
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            {data.contactsByKind && <ContactsByKindCard rows={data.contactsByKind} />}
            {data.consentWeeks && <ConsentWeeksCard weeks={data.consentWeeks} timeZone={data.timeZone} />}
            {data.consentCoverage && <ConsentCoverageCard rows={data.consentCoverage} />}
          </SimpleGrid>
        )
      )}
    </Stack>
  )
}

function ContactsCountCard() {
  const { t, i18n } = useTranslation()
  const total = useQuery(subjectTotalQueryOptions())
  return (
    <Card withBorder radius="md" padding="lg" data-testid="overview-contacts-card">
      <Stack gap="xs">
        <Text fw={600}>{t('overview.contactsCard.title')}</Text>
        {total.isPending ? (
          <Group h={48} align="center">
            <Loader size="sm" aria-label={t('common.loading')} />
          </Group>
        ) : total.isError ? (
          <ErrorState error={total.error} onRetry={() => void total.refetch()} />
        ) : (
          <Text fz={36} fw={700} lh={1.2} data-testid="overview-contacts-total" data-total={total.data}>
            {new Intl.NumberFormat(i18n.resolvedLanguage).format(total.data)}
          </Text>
        )}
        <Text size="sm" c="dimmed">
          {t('overview.contactsCard.description')}
        </Text>
        <Group>
          <Button component={Link} to="/contacts" variant="light" size="xs">
            {t('overview.contactsCard.open')}
          </Button>
        </Group>
      </Stack>
    </Card>
  )
}
