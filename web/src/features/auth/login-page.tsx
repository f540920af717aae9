import {
  Alert,
  Anchor,
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
import { type CurrentUser, login, loginWithTotp, safeRedirectTarget, sessionQueryKey } from './auth.api'

/** Sign-in: e-mail and password, then — for accounts with a second factor — the code of the authenticator app. */
export function LoginPage() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const router = useRouter()
  const navigate = useNavigate()
  const { redirect } = useSearch({ from: '/login' })
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [challenge, setChallenge] = useState<string | undefined>(undefined)
  const [code, setCode] = useState('')

  async function signedIn(user: CurrentUser) {
    queryClient.setQueryData(sessionQueryKey, user)
    const target = safeRedirectTarget(redirect)
    if (target) router.history.push(target)
    else await navigate({ to: '/' })
  }

  const passwordStep = useMutation({
    mutationFn: login,
    onSuccess: async (outcome) => {
      if (outcome.status === 'totp-required') {
        setCode('')
        setChallenge(outcome.challenge)
      } else await signedIn(outcome.user)
    },
  })
  const codeStep = useMutation({ mutationFn: loginWithTotp, onSuccess: signedIn })

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    passwordStep.mutate({ email: email.trim(), password })
  }

  function onSubmitCode(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (challenge) codeStep.mutate({ challenge, code: code.replace(/\s/g, '') })
  }

  function startOver() {
    setChallenge(undefined)
    setCode('')
    setPassword('')
    passwordStep.reset()
    codeStep.reset()
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
          {challenge === undefined ? (
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
                {passwordStep.isError && <LoginError error={passwordStep.error} step="password" />}
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
                <Button
                  type="submit"
                  loading={passwordStep.isPending}
                  fullWidth
                  mt="xs"
                  data-testid="login-submit"
                >
                  {t('auth.login.submit')}
                </Button>
              </Stack>
            </form>
          ) : (
            <form onSubmit={onSubmitCode} data-testid="login-totp-form">
              <Stack gap="sm">
                <div>
                  <Title order={2} size="h3">
                    {t('auth.login.totp.title')}
                  </Title>
                  <Text c="dimmed" size="sm">
                    {t('auth.login.totp.subtitle')}
                  </Text>
                </div>
                {codeStep.isError && <LoginError error={codeStep.error} step="code" />}
                <TextInput
                  label={t('auth.login.totp.code')}
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]{6,7}"
                  maxLength={7}
                  required
                  autoFocus
                  value={code}
                  onChange={(event) => setCode(event.currentTarget.value)}
                  data-testid="login-totp"
                />
                <Button
                  type="submit"
                  loading={codeStep.isPending}
                  fullWidth
                  mt="xs"
                  data-testid="login-totp-submit"
                >
                  {t('auth.login.totp.submit')}
                </Button>
                <Anchor
                  component="button"
                  type="button"
                  size="sm"
                  onClick={startOver}
                  data-testid="login-totp-back"
                >
                  {t('auth.login.totp.startOver')}
                </Anchor>
              </Stack>
            </form>
          )}
        </Paper>
      </Stack>
    </Center>
  )
}

function LoginError({ error, step }: { error: Error; step: 'password' | 'code' }) {
  const { t } = useTranslation()
  let message: string
  if (isProblem(error, 401))
    message = step === 'password' ? t('auth.login.invalidCredentials') : t('auth.login.totp.invalidCode')
  else if (isProblem(error, 400) && step === 'code') message = t('auth.login.totp.malformedCode')
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
