import i18n from 'i18next'
import LanguageDetector from 'i18next-browser-languagedetector'
import { initReactI18next } from 'react-i18next'
import de from '../locales/de.json'
import en from '../locales/en.json'

export const LANGUAGES = ['de', 'en'] as const
export type Language = (typeof LANGUAGES)[number]

/** Where the chosen language is remembered between visits. */
export const LANGUAGE_STORAGE_KEY = 'tresor.language'

// English is the source of truth for the keys; typing German against it makes a missing key a type error.
const german: typeof en = de

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation'
    resources: { translation: typeof en }
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
}

/** The language the UI is showing now, reduced to one we ship ('de-AT' -> 'de'). */
export function currentLanguage(): Language {
  const resolved = i18n.resolvedLanguage ?? i18n.language
  return isLanguage(resolved) ? resolved : 'en'
}

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { de: { translation: german }, en: { translation: en } },
    supportedLngs: LANGUAGES,
    // A German browser gets German; every other language falls back to English.
    fallbackLng: 'en',
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    detection: {
      order: ['localStorage', 'navigator'],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      // Only an explicit choice is remembered (see setLanguage); a detected one follows the browser.
      caches: [],
      convertDetectedLanguage: (lng: string) => lng.split('-')[0] ?? lng,
    },
    interpolation: { escapeValue: false },
  })

/** Switches the UI language and remembers the choice for the next visit. */
export async function setLanguage(language: Language): Promise<void> {
  try {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, language)
  } catch {
    // Storage can be unavailable (private mode, blocked); the switch still works for this visit.
  }
  await i18n.changeLanguage(language)
}

function syncDocumentLanguage(): void {
  document.documentElement.lang = currentLanguage()
}
syncDocumentLanguage()
i18n.on('languageChanged', syncDocumentLanguage)

export default i18n
