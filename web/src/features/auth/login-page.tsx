import {
  Alert,
  Button,
  Center,
  Group,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useNavigate, useRouter, useSearch } from '@tanstack/react-router'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { LanguageSwitch } from '../../app/language-switch'
import { login, safeRedirectTarget, sessionQueryKey } from './auth.api'

export function LoginPage() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const router = useRouter()
  const navigate = useNavigate()
  const { redirect } = useSearch({ from: '/login' })
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')

  const mutation = useMutation({
    mutationFn: login,
    onSuccess: async (user) => {
      queryClient.setQueryData(sessionQueryKey, user)
      const target = safeRedirectTarget(redirect)
      if (target) router.history.push(target)
      else await navigate({ to: '/' })
    },
  })

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    mutation.mutate({ email: email.trim(), password })
  }

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Stack w="100%" maw={400} gap="md">
        <Group justify="space-between" align="flex-end">
          <div>
            <Title order={1} size="h2">
              {t('app.name')}
            </Title>
            <Text c="dimmed" size="sm">
              {t('app.tagline')}
            </Text>
          </div>
          <LanguageSwitch />
        </Group>
        <Paper withBorder shadow="sm" radius="md" p="lg">
          <form onSubmit={onSubmit} data-testid="login-form">
            <Stack gap="sm">
              <div>
                <Title order={2} size="h3">
                  {t('auth.login.title')}
                </Title>
                <Text c="dimmed" size="sm">
                  {t('auth.login.subtitle')}
                </Text>
              </div>
              {mutation.isError && <LoginError error={mutation.error} />}
              <TextInput
                label={t('auth.login.email')}
                placeholder={t('auth.login.emailPlaceholder')}
                type="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                onChange={(event) => setEmail(event.currentTarget.value)}
                data-testid="login-email"
              />
              <PasswordInput
                label={t('auth.login.password')}
                autoComplete="current-password"
                required
                value={password}
                onChange={(event) => setPassword(event.currentTarget.value)}
                visibilityToggleButtonProps={{ 'aria-label': t('auth.login.togglePassword') }}
                data-testid="login-password"
              />
              <Button type="submit" loading={mutation.isPending} fullWidth mt="xs" data-testid="login-submit">
                {t('auth.login.submit')}
              </Button>
            </Stack>
          </form>
        </Paper>
      </Stack>
    </Center>
  )
}

function LoginError({ error }: { error: Error }) {
  const { t } = useTranslation()
  let message: string
  if (isProblem(error, 401)) message = t('auth.login.invalidCredentials')
  else if (isProblem(error, 429))
    message =
      error.retryAfterSeconds === undefined
        ? t('auth.login.rateLimited')
        : t('auth.login.rateLimitedRetry', { count: error.retryAfterSeconds })
  else message = t('auth.login.failed')
  return (
    <Alert
      color="red"
      variant="light"
      title={t('auth.login.errorTitle')}
      role="alert"
      data-testid="login-error"
    >
      {message}
    </Alert>
  )
}
