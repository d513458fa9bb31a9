import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import fr from './locales/fr.json';

export const LANGUAGES = { en: 'English', fr: 'Français' } as const;
export type Language = keyof typeof LANGUAGES;
const STORAGE_KEY = 'findme.language';

/** The saved choice, else the browser's first language we speak, else English. */
function initialLanguage(): Language {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'fr') return saved;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.slice(0, 2).toLowerCase();
    if (base === 'en' || base === 'fr') return base;
  }
  return 'en';
}

const lng = initialLanguage();
document.documentElement.lang = lng;
void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, fr: { translation: fr } },
  lng,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});
i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
  localStorage.setItem(STORAGE_KEY, language);
});

export default i18n;
