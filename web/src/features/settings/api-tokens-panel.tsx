import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine } from '../../app/problem-text'
import { isKnownRole } from '../../app/roles'
import { sessionQueryOptions } from '../auth/auth.api'
import { myAccessQueryOptions } from '../auth/permissions'
import {
  type ApiToken,
  type CreatedToken,
  createToken,
  expiryOf,
  myTokensQueryOptions,
  revokeToken,
  rolesQueryOptions,
  rolesWithin,
  TOKEN_LIFETIMES,
  type TokenLifetime,
  tokenKeys,
  tokenState,
} from './api-tokens.api'

const STATE_COLORS = { active: 'teal', revoked: 'gray', expired: 'orange' } as const

/**
 * The signed-in user's API tokens (Security page): create one acting in their role or a narrower
 * one, for a while or until revoked; the secret is shown once, with a copy button; list and revoke.
 */
export function ApiTokensPanel() {
  const { t } = useTranslation()
  const tokens = useQuery(myTokensQueryOptions)
  const [created, setCreated] = useState<CreatedToken | undefined>(undefined)
  const [revoking, setRevoking] = useState<ApiToken | undefined>(undefined)

  return (
    <Paper withBorder radius="md" p="lg" data-testid="api-tokens">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('settings.tokens.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('settings.tokens.intro')}
        </Text>
        {created ? (
          <CreatedSecret created={created} onDone={() => setCreated(undefined)} />
        ) : (
          <CreateTokenForm onCreated={setCreated} />
        )}
        <Title order={3} size="h5" mt="sm">
          {t('settings.tokens.listTitle')}
        </Title>
        {tokens.isError ? (
          <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} testId="api-tokens-error" />
        ) : tokens.data && tokens.data.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="api-tokens-empty">
            {t('settings.tokens.empty')}
          </Text>
        ) : tokens.data ? (
          <TokenTable tokens={tokens.data} onRevoke={setRevoking} />
        ) : null}
      </Stack>
      <RevokeDialog token={revoking} onClose={() => setRevoking(undefined)} />
    </Paper>
  )
}

function CreateTokenForm({ onCreated }: { onCreated: (created: CreatedToken) => void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const session = useQuery(sessionQueryOptions)
  const access = useQuery(myAccessQueryOptions(session.data))
  const roles = useQuery(rolesQueryOptions)
  const myRole = session.data?.role
  const [name, setName] = useState('')
  const [role, setRole] = useState<string | null>(null)
  const [lifetime, setLifetime] = useState<TokenLifetime>('90')
  const [nameError, setNameError] = useState<string | undefined>(undefined)
  const create = useMutation({
    mutationFn: createToken,
    onSuccess: async (result) => {
      setName('')
      onCreated(result)
      await queryClient.invalidateQueries({ queryKey: tokenKeys.mine() })
    },
  })

  const roleLabel = (r: string) => (isKnownRole(r) ? t(`auth.roles.${r}`) : r)
  const choices = access.data && roles.data ? rolesWithin(roles.data, access.data).map((r) => r.name) : []
  // The user's own role first and always offered (it is the default).
  const options = myRole ? [myRole, ...choices.filter((r) => r !== myRole)] : choices
  const chosen = role ?? myRole ?? null

  // The inputs' labels for the fields the server names (the lifetime sets `expiresAt`).
  const tokenInputLabel = (field: string) =>
    field === 'name'
      ? t('settings.tokens.name')
      : field === 'role'
        ? t('settings.tokens.role')
        : field === 'expiresAt'
          ? t('settings.tokens.lifetime')
          : undefined

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (name.trim() === '') {
      setNameError(t('settings.tokens.errors.name'))
      return
    }
    setNameError(undefined)
    const expiresAt = expiryOf(lifetime)
    create.mutate({
      name: name.trim(),
      ...(chosen && chosen !== myRole ? { role: chosen } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    })
  }

  return (
    <form onSubmit={submit}>
      <Stack gap="sm">
        <Group align="flex-start" gap="sm" grow>
          <TextInput
            label={t('settings.tokens.name')}
            description={t('settings.tokens.nameHint')}
            value={name}
            onChange={(event) => {
              setName(event.currentTarget.value)
              setNameError(undefined)
            }}
            maxLength={100}
            error={nameError}
            data-testid="token-name"
          />
          <Select
            label={t('settings.tokens.role')}
            description={t('settings.tokens.roleHint')}
            data={options.map((r) => ({ value: r, label: roleLabel(r) }))}
            value={chosen}
            onChange={(value) => setRole(value)}
            allowDeselect={false}
            data-testid="token-role"
          />
          <Select
            label={t('settings.tokens.lifetime')}
            description={t('settings.tokens.lifetimeHint')}
            data={TOKEN_LIFETIMES.map((l) => ({ value: l, label: t(`settings.tokens.lifetimes.${l}`) }))}
            value={lifetime}
            onChange={(value) => setLifetime((value as TokenLifetime | null) ?? '90')}
            allowDeselect={false}
            data-testid="token-lifetime"
          />
        </Group>
        {create.isError && (
          <SubmitErrorAlert
            message={
              isProblem(create.error, 403)
                ? t('settings.tokens.errors.forbidden')
                : isProblem(create.error, 400)
                  ? t('settings.tokens.errors.invalid')
                  : t('settings.tokens.errors.failed')
            }
            lines={
              isProblem(create.error, 400)
                ? create.error.errors.map((e) => problemLine(t, e, tokenInputLabel))
                : []
            }
            testId="token-create-error"
          />
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending} data-testid="token-create">
            {t('settings.tokens.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** The secret of the token just created: shown this once, with a copy button. */
function CreatedSecret({ created, onDone }: { created: CreatedToken; onDone: () => void }) {
  const { t } = useTranslation()
  return (
    <Alert
      color="yellow"
      variant="light"
      title={t('settings.tokens.created.title')}
      data-testid="token-created"
    >
      <Stack gap="xs">
        <Text size="sm">{t('settings.tokens.created.once', { name: created.info.name })}</Text>
        <Group gap="xs" wrap="nowrap" align="center">
          <Code
            block
            style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', flex: 1 }}
            data-testid="token-secret"
          >
            {created.token}
          </Code>
          <CopyButton value={created.token}>
            {({ copied, copy }) => (
              <Button
                variant={copied ? 'filled' : 'light'}
                color={copied ? 'teal' : undefined}
                onClick={copy}
                data-testid="token-copy"
              >
                {copied ? t('settings.tokens.created.copied') : t('settings.tokens.created.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="xs" c="dimmed">
          {t('settings.tokens.created.usage')}
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone} data-testid="token-secret-done">
            {t('settings.tokens.created.done')}
          </Button>
        </Group>
      </Stack>
    </Alert>
  )
}

function TokenTable({ tokens, onRevoke }: { tokens: ApiToken[]; onRevoke: (token: ApiToken) => void }) {
  const { t } = useTranslation()
  const format = new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'short' })
  const when = (iso: string | null, none: string) => (iso ? format.format(new Date(iso)) : none)
  const roleLabel = (r: string) => (isKnownRole(r) ? t(`auth.roles.${r}`) : r)
  return (
    <Table.ScrollContainer minWidth={760}>
      <Table verticalSpacing="xs" data-testid="api-tokens-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('settings.tokens.columns.name')}</Table.Th>
            <Table.Th>{t('settings.tokens.columns.role')}</Table.Th>
            <Table.Th>{t('settings.tokens.columns.created')}</Table.Th>
            <Table.Th>{t('settings.tokens.columns.lastUsed')}</Table.Th>
            <Table.Th>{t('settings.tokens.columns.expires')}</Table.Th>
            <Table.Th>{t('settings.tokens.columns.state')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tokens.map((token) => {
            const state = tokenState(token)
            return (
              <Table.Tr key={token.id} data-testid="api-token-row" data-name={token.name} data-state={state}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {token.name}
                  </Text>
                  <Code fz="xs" bg="transparent" p={0}>
                    {token.prefix}…
                  </Code>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{roleLabel(token.role)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{when(token.createdAt, '')}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={token.lastUsedAt ? undefined : 'dimmed'}>
                    {when(token.lastUsedAt, t('settings.tokens.neverUsed'))}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c={token.expiresAt ? undefined : 'dimmed'}>
                    {when(token.expiresAt, t('settings.tokens.noExpiry'))}
                  </Text>
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Badge
                    size="sm"
                    variant="light"
                    color={STATE_COLORS[state]}
                    styles={{ label: { overflow: 'visible' } }}
                  >
                    {t(`settings.tokens.states.${state}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {state === 'active' && (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => onRevoke(token)}
                      aria-label={t('settings.tokens.revokeLabel', { name: token.name })}
                      data-testid="api-token-revoke"
                    >
                      {t('settings.tokens.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            )
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

function RevokeDialog({ token, onClose }: { token: ApiToken | undefined; onClose: () => void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const revoke = useMutation({
    mutationFn: revokeToken,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: tokenKeys.mine() })
      onClose()
    },
  })
  return (
    <Modal
      opened={token !== undefined}
      onClose={() => {
        revoke.reset()
        onClose()
      }}
      title={t('settings.tokens.revokeTitle')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <Stack gap="sm">
        <Text size="sm">{t('settings.tokens.revokeBody', { name: token?.name ?? '' })}</Text>
        {revoke.isError && (
          <SubmitErrorAlert
            message={t('settings.tokens.errors.revoke')}
            lines={[]}
            testId="token-revoke-error"
          />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            {t('settings.tokens.cancel')}
          </Button>
          <Button
            color="red"
            loading={revoke.isPending}
            onClick={() => token && revoke.mutate(token.id)}
            data-testid="api-token-revoke-confirm"
          >
            {t('settings.tokens.revoke')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
