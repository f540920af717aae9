import { Badge, Group } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { isSubjectKind, type SubjectKind } from './subjects.api'

const KIND_COLORS: Record<SubjectKind, string> = {
  customer: 'teal',
  lead: 'blue',
  b2b_contact: 'indigo',
  applicant: 'grape',
  employee: 'orange',
  supplier_contact: 'gray',
}

/** Translated label of a kind; a kind this UI does not know yet is shown as the server sent it. */
export function useKindLabel(): (kind: string) => string {
  const { t } = useTranslation()
  return (kind) => (isSubjectKind(kind) ? t(`subjects.kinds.${kind}`) : kind)
}

export function SubjectKindBadges({ kinds }: { kinds: string[] }) {
  const kindLabel = useKindLabel()
  return (
    <Group gap={4} wrap="wrap">
      {kinds.map((kind) => (
        <Badge key={kind} size="sm" variant="light" color={isSubjectKind(kind) ? KIND_COLORS[kind] : 'gray'}>
          {kindLabel(kind)}
        </Badge>
      ))}
    </Group>
  )
}
