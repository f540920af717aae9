import { Notification, Portal } from '@mantine/core'
import { type ReactNode, useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'

/** How long a confirmation stays before it closes itself. */
const AUTO_CLOSE_MS = 8_000

/**
 * A short confirmation in the corner ("saved"), announced to screen readers, closing itself after a
 * few seconds. For outcomes that need no action; errors stay next to what caused them.
 */
export function Toast({
  opened,
  onClose,
  title,
  children,
  color = 'teal',
  testId,
}: {
  opened: boolean
  onClose: () => void
  title?: ReactNode
  children?: ReactNode
  color?: string
  testId?: string
}) {
  const { t } = useTranslation()
  // The latest onClose, so a re-render of the caller does not restart the timer.
  const close = useRef(onClose)
  close.current = onClose
  useEffect(() => {
    if (!opened) return
    const timer = window.setTimeout(() => close.current(), AUTO_CLOSE_MS)
    return () => window.clearTimeout(timer)
  }, [opened])
  if (!opened) return null
  return (
    <Portal>
      <Notification
        role="status"
        aria-live="polite"
        color={color}
        title={title}
        onClose={onClose}
        closeButtonProps={{ 'aria-label': t('common.close') }}
        withBorder
        data-testid={testId}
        style={{ position: 'fixed', right: 16, bottom: 16, zIndex: 400, maxWidth: 420 }}
      >
        {children}
      </Notification>
    </Portal>
  )
}
