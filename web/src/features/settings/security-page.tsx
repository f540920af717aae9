import { Alert, Badge, Button, Code, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { usePermissions } from '../auth/permissions'
import { ApiTokensPanel } from './api-tokens-panel'
import {
  confirmTotp,
  disableTotp,
  startTotpEnrolment,
  type TotpEnrolment,
  totpStatusQueryOptions,
} from './security.api'

/** The signed-in user's own security settings: the second factor (TOTP) and their API tokens. */
export function SecurityPage() {
  const { t } = useTranslation()
  const status = useQuery(totpStatusQueryOptions)
  const { can } = usePermissions()
  return (
    <Stack maw={960} gap="md">
      <Title order={1} size="h2">
        {t('settings.security.title')}
      </Title>
      <Paper withBorder radius="md" p="lg">
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={2} size="h4">
              {t('settings.security.totp.title')}
            </Title>
            {status.data && (
              <Badge
                color={status.data.enabled ? 'teal' : 'gray'}
                variant="light"
                data-testid="totp-status"
                data-enabled={status.data.enabled}
              >
                {status.data.enabled ? t('settings.security.totp.on') : t('settings.security.totp.off')}
              </Badge>
            )}
          </Group>
          <Text size="sm" c="dimmed">
            {t('settings.security.totp.intro')}
          </Text>
          {status.isError && <ErrorState error={status.error} onRetry={() => void status.refetch()} />}
          {status.data && (status.data.enabled ? <TotpDisable /> : <TotpEnrol />)}
        </Stack>
      </Paper>
      {can('tokens:own') && <ApiTokensPanel />}
    </Stack>
  )
}

function TotpEnrol() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [enrolment, setEnrolment] = useState<TotpEnrolment | undefined>(undefined)
  const [code, setCode] = useState('')
  const start = useMutation({ mutationFn: startTotpEnrolment, onSuccess: setEnrolment })
  const confirm = useMutation({
    mutationFn: confirmTotp,
    onSuccess: async () => {
      setEnrolment(undefined)
      await queryClient.invalidateQueries({ queryKey: totpStatusQueryOptions.queryKey })
    },
  })

  function onConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    confirm.mutate(code.replace(/\s/g, ''))
  }

  if (!enrolment) {
    return (
      <Stack gap="xs" align="flex-start">
        {start.isError && <TotpError error={start.error} />}
        <Button onClick={() => start.mutate()} loading={start.isPending} data-testid="totp-start">
          {t('settings.security.totp.start')}
        </Button>
      </Stack>
    )
  }
  return (
    <form onSubmit={onConfirm}>
      <Stack gap="sm">
        <Text size="sm">{t('settings.security.totp.scan')}</Text>
        <div>
          <Text size="xs" c="dimmed">
            {t('settings.security.totp.secret')}
          </Text>
          <Code block data-testid="totp-secret">
            {enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}
          </Code>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            {t('settings.security.totp.uri')}
          </Text>
          <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="totp-uri">
            {enrolment.uri}
          </Code>
        </div>
        {confirm.isError && <TotpError error={confirm.error} />}
        <TextInput
          label={t('settings.security.totp.code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
          maw={240}
          data-testid="totp-confirm-code"
        />
        <Group>
          <Button type="submit" loading={confirm.isPending} data-testid="totp-confirm">
            {t('settings.security.totp.confirm')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function TotpDisable() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [code, setCode] = useState('')
  const disable = useMutation({
    mutationFn: disableTotp,
    onSuccess: async () => {
      setCode('')
      await queryClient.invalidateQueries({ queryKey: totpStatusQueryOptions.queryKey })
    },
  })

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    disable.mutate(code.replace(/\s/g, ''))
  }

  return (
    <form onSubmit={onSubmit}>
      <Stack gap="sm">
        <Text size="sm">{t('settings.security.totp.disableIntro')}</Text>
        {disable.isError && <TotpError error={disable.error} />}
        <TextInput
          label={t('settings.security.totp.code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          required
          value={code}
          onChange={(event) => setCode(event.currentTarget.value)}
          maw={240}
          data-testid="totp-disable-code"
        />
        <Group>
          <Button
            type="submit"
            color="red"
            variant="light"
            loading={disable.isPending}
            data-testid="totp-disable"
          >
            {t('settings.security.totp.disable')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function TotpError({ error }: { error: Error }) {
  const { t } = useTranslation()
  let message: string
  if (isProblem(error, 400)) message = t('settings.security.totp.wrongCode')
  else if (isProblem(error, 429))
    message =
      error.retryAfterSeconds === undefined
        ? t('auth.login.rateLimited')
        : t('auth.login.rateLimitedRetry', { count: error.retryAfterSeconds })
  else if (isProblem(error, 409)) message = t('settings.security.totp.conflict')
  else message = t('common.error.body')
  return (
    <Alert color="red" variant="light" role="alert" data-testid="totp-error">
      {message}
    </Alert>
  )
}
