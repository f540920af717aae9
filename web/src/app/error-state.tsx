import { Alert, Button, Stack, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { isProblem } from './api'
import { problemHeadline, problemLine } from './problem-text'

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

/** A refused form submission: the translated message, then the server's reasons not shown at a field. */
export function SubmitErrorAlert({
  message,
  lines,
  testId,
  padding = 'xs',
}: {
  message: string
  lines: readonly string[]
  testId: string
  padding?: 'xs' | 'sm'
}) {
  return (
    <Alert color="red" variant="light" p={padding} data-testid={testId} role="alert">
      <Stack gap={4}>
        <Text size="sm">{message}</Text>
        {lines.map((line) => (
          <Text key={line} size="xs" c="dimmed">
            {line}
          </Text>
        ))}
      </Stack>
    </Alert>
  )
}

/**
 * A refused action: the problem's headline and its field errors in the UI's language; `fallback`
 * when the error is not a problem (the network, a bug), `message` instead of the headline if given.
 */
export function ProblemAlert({
  error,
  testId,
  fallback,
  message,
}: {
  error: unknown
  testId: string
  fallback: string
  message?: string | undefined
}) {
  const { t } = useTranslation()
  return (
    <SubmitErrorAlert
      message={message ?? (isProblem(error) ? problemHeadline(t, error) : fallback)}
      lines={isProblem(error) ? error.errors.map((e) => problemLine(t, e)) : []}
      testId={testId}
    />
  )
}
