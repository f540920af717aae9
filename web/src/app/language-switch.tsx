import { SegmentedControl, VisuallyHidden } from '@mantine/core'
import { useId } from 'react'
import { useTranslation } from 'react-i18next'
import { currentLanguage, isLanguage, setLanguage } from './i18n'

/** DE/EN toggle; an explicit choice is remembered in localStorage. */
export function LanguageSwitch() {
  const { t } = useTranslation()
  const labelId = useId()
  return (
    <div>
      <VisuallyHidden id={labelId}>{t('language.label')}</VisuallyHidden>
      <SegmentedControl
        size="xs"
        value={currentLanguage()}
        onChange={(value) => {
          if (isLanguage(value)) void setLanguage(value)
        }}
        aria-labelledby={labelId}
        data-testid="language-switch"
        data={[
          {
            value: 'de',
            label: (
              <span lang="de" title={t('language.deName')} data-testid="language-de">
                {t('language.de')}
              </span>
            ),
          },
          {
            value: 'en',
            label: (
              <span lang="en" title={t('language.enName')} data-testid="language-en">
                {t('language.en')}
              </span>
            ),
          },
        ]}
      />
    </div>
  )
}
