import { Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core'
import { useQuery, useSuspenseQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { sessionQueryOptions } from '../auth/auth.api'
import { subjectTotalQueryOptions } from '../subjects/subjects.api'

export function OverviewPage() {
  const { t } = useTranslation()
  const { data: user } = useSuspenseQuery(sessionQueryOptions)
  return (
    <Stack gap="lg">
      <div>
        <Title order={1} size="h2">
          {t('overview.welcome', { name: user.displayName ?? user.email })}
        </Title>
        <Text c="dimmed">{t('overview.intro')}</Text>
      </div>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <ContactsCountCard />
      </SimpleGrid>
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
