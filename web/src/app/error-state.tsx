import { Alert, Button, Stack, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { isProblem } from './api'

/** A failed load: translated explanation, the HTTP status when there was one, and a retry. */
export function ErrorState({
  title,
  error,
  onRetry,
  testId,
}: {
  title?: string
  error: unknown
  onRetry?: () => void
  testId?: string
}) {
  const { t } = useTranslation()
  return (
    <Alert color="red" variant="light" title={title ?? t('common.error.title')} data-testid={testId}>
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{t('common.error.body')}</Text>
        {isProblem(error) && (
          <Text size="xs" c="dimmed">
            {t('common.error.status', { status: error.status })}
          </Text>
        )}
        {onRetry && (
          <Button size="xs" variant="light" color="red" onClick={onRetry}>
            {t('common.error.retry')}
          </Button>
        )}
      </Stack>
    </Alert>
  )
}
