import { Badge, Button, Group, Text } from '@mantine/core'
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { logout, sessionQueryOptions } from '../features/auth/auth.api'
import { isKnownRole } from './roles'

/** Who is signed in (e-mail and role), their security settings, and the way out. */
export function UserMenu() {
  const { t } = useTranslation()
  const { data: user } = useSuspenseQuery(sessionQueryOptions)
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const signOut = useMutation({
    mutationFn: logout,
    // Whatever the server says, this browser forgets the session and everything it loaded with it.
    onSettled: async () => {
      queryClient.clear()
      await navigate({ to: '/login', search: {} })
    },
  })
  return (
    <Group gap="sm" wrap="nowrap" data-testid="user-menu">
      <Group gap={6} wrap="nowrap" visibleFrom="sm">
        <Text size="sm" data-testid="user-email" title={t('auth.signedInAs', { email: user.email })}>
          {user.email}
        </Text>
        <Badge variant="light" color="gray" data-testid="user-role" data-role={user.role}>
          {isKnownRole(user.role) ? t(`auth.roles.${user.role}`) : user.role}
        </Badge>
      </Group>
      <Button
        variant="subtle"
        size="xs"
        renderRoot={(props) => <Link to="/settings/security" {...props} />}
        data-testid="security-settings"
      >
        {t('settings.security.link')}
      </Button>
      <Button
        variant="default"
        size="xs"
        loading={signOut.isPending}
        onClick={() => signOut.mutate()}
        data-testid="logout"
      >
        {t('auth.logout')}
      </Button>
    </Group>
  )
}
