/**
 * Art. 30(1)(g), Art. 32(1): the technical and organisational measures Tresor itself implements, as
 * seeded text in German and English. Each names the mechanism in this codebase that carries it, so
 * the record describes what the software does, not what a policy promises. Product knowledge, not
 * legal advice: the controller adds its own organisational measures (training, physical access,
 * backups of the server) in its own documentation.
 */
export interface TechnicalMeasure {
  key: string
  /** Art. 32(1)(a)-(d), Art. 25: which requirement it serves. */
  article: string
  title: { de: string; en: string }
  text: { de: string; en: string }
}

export const TECHNICAL_MEASURES: readonly TechnicalMeasure[] = [
  {
    key: 'encryption',
    article: 'Art. 32(1)(a)',
    title: { de: 'Verschlüsselung', en: 'Encryption' },
    text: {
      de: 'Direkte Identifikatoren (Name, E-Mail, Telefon, Anschrift, Geburtsdatum, Bankdaten, Notizen) werden nur verschlüsselt gespeichert (AES-256-GCM), unter einem eigenen Datenschlüssel je Person, der seinerseits mit dem Hauptschlüssel verschlüsselt ist. Der Hauptschlüssel liegt außerhalb der Datenbank und kann rotiert werden.',
      en: 'Direct identifiers (name, e-mail, phone, address, birth date, bank data, notes) are stored only encrypted (AES-256-GCM), under a data key of each person’s own, itself wrapped by the master key. The master key is kept outside the database and can be rotated.',
    },
  },
  {
    key: 'crypto-shredding',
    article: 'Art. 17, Art. 32(1)(b)',
    title: { de: 'Löschung durch Schlüsselvernichtung', en: 'Erasure by crypto-shredding' },
    text: {
      de: 'Eine Löschung vernichtet den Datenschlüssel der Person: Ihre verschlüsselten Daten sind damit überall unlesbar, auch in Sicherungen. Ein Löschprotokoll außerhalb der Datenbank wiederholt Löschungen nach einer Wiederherstellung.',
      en: 'An erasure destroys the person’s data key: their encrypted data becomes unreadable everywhere, backups included. An erasure ledger outside the database repeats erasures after a restore.',
    },
  },
  {
    key: 'pseudonymisation',
    article: 'Art. 32(1)(a), Art. 25(1)',
    title: { de: 'Pseudonymisierung', en: 'Pseudonymisation' },
    text: {
      de: 'Personen werden intern nur über eine zufällige Kennung geführt; Auswertungen, Segmente und Bewertungen arbeiten auf pseudonymen Merkmalen. Suche nach E-Mail, Telefon und Namen über schlüsselgebundene Blind-Indizes, ohne zu entschlüsseln.',
      en: 'People are identified internally only by a random id; analytics, segments and scores work on pseudonymous attributes. Search by e-mail, phone and name uses keyed blind indexes, without decrypting.',
    },
  },
  {
    key: 'access-control',
    article: 'Art. 32(1)(b), Art. 25(2)',
    title: { de: 'Zugriffskontrolle', en: 'Access control' },
    text: {
      de: 'Rollen mit Berechtigungen und Datenkategorien: Jede Rolle sieht nur die Kategorien, die sie braucht; jeder Zweck begrenzt Rollen, Personengruppen und Kategorien. Anmeldung mit Passwort und optional TOTP (Zwei-Faktor), Sitzungen mit Leerlauf- und Höchstdauer, API-Token an eine Rolle gebunden und nur als Hash gespeichert. Exporte nur mit eigener Berechtigung.',
      en: 'Roles with permissions and data categories: each role sees only the categories it needs; every purpose limits roles, kinds of people and categories. Sign-in with a password and optional TOTP (two factors), sessions with idle and absolute timeouts, API tokens bound to a role and stored only as a digest. Exports need a permission of their own.',
    },
  },
  {
    key: 'purpose-gate',
    article: 'Art. 5(1)(b), Art. 6, Art. 25(1)',
    title: { de: 'Zweckbindung durch das Gate', en: 'Purpose limitation by the gate' },
    text: {
      de: 'Jede Verwendung personenbezogener Daten läuft durch das Datenschutz-Gate: Es prüft Rolle, Datenkategorien und die Rechtsgrundlage des Zwecks je Person (Einwilligung, Widerspruch, Einschränkung, Löschung, Art. 9) und entschlüsselt erst danach.',
      en: 'Every use of personal data passes the privacy gate: it checks the role, the data categories and the purpose’s legal basis per person (consent, objection, restriction, erasure, Art. 9) and decrypts only then.',
    },
  },
  {
    key: 'audit-chain',
    article: 'Art. 5(2), Art. 32(1)(d)',
    title: { de: 'Prüfprotokoll', en: 'Audit trail' },
    text: {
      de: 'Jede Erhebung, Änderung, Offenlegung, Verwendung und Löschung wird mit wer, was, wann und warum (Zweck) protokolliert — nur Feldnamen, nie Werte. Das Protokoll ist hash-verkettet, nur anhängbar und durch signierte Prüfpunkte gesichert; `tresor audit verify` prüft es.',
      en: 'Every collection, change, disclosure, use and erasure is recorded with who, what, when and why (purpose) — field names only, never values. The trail is hash-chained, append-only and protected by signed checkpoints; `tresor audit verify` checks it.',
    },
  },
  {
    key: 'retention',
    article: 'Art. 5(1)(e), Art. 17',
    title: { de: 'Speicherbegrenzung', en: 'Storage limitation' },
    text: {
      de: 'Ein Löschkonzept als Daten (Löschklassen nach DIN 66398 mit gesetzlichen Mindestfristen), gesetzliche Aufbewahrungspflichten als Sperren, die eine Löschung nur so weit aufhalten, wie sie reichen.',
      en: 'A deletion concept as data (deletion classes after DIN 66398 with legal minimums), and legal retention duties as holds that keep only what they cover from an erasure.',
    },
  },
  {
    key: 'transport',
    article: 'Art. 32(1)(b)',
    title: { de: 'Schutz der Übertragung und der Oberfläche', en: 'Transport and interface protection' },
    text: {
      de: 'Änderungen mit Sitzungscookie nur vom eigenen Ursprung, keine Einbettung in fremde Seiten, keine Zwischenspeicherung von API-Antworten, strikte Eingabeprüfung; personenbezogene Daten nie in URLs oder Logs.',
      en: 'Changes with the session cookie only from Tresor’s own origin, no framing by other sites, no caching of API answers, strict input validation; personal data never in URLs or logs.',
    },
  },
  {
    key: 'breach-register',
    article: 'Art. 33, 34',
    title: { de: 'Umgang mit Datenschutzverletzungen', en: 'Handling of personal data breaches' },
    text: {
      de: 'Ein Verzeichnis der Verletzungen mit 72-Stunden-Frist und Erinnerung an die bzw. den Datenschutzbeauftragten; die betroffenen Personen werden aus dem Prüfprotokoll ermittelt, Meldung und Benachrichtigungen werden vorbereitet und dokumentiert.',
      en: 'A register of breaches with the 72-hour clock and a reminder to the data protection officer; the people concerned are found from the audit trail, the notification and the letters are drafted and recorded.',
    },
  },
  {
    key: 'resilience',
    article: 'Art. 32(1)(b)-(d)',
    title: { de: 'Belastbarkeit und Prüfung', en: 'Resilience and testing' },
    text: {
      de: 'Dieselbe Software läuft auf PostgreSQL; jede Änderung wird auf beiden Datenbanken automatisch getestet (Zugriffsregeln, Gate, Löschung), Leistung wird gemessen. Sicherungen und Wiederherstellung der Datenbank liegen beim Betreiber.',
      en: 'The same software runs on PostgreSQL; every change is tested automatically on both databases (access rules, the gate, erasure), performance is measured. Backups and restore of the database are the operator’s.',
    },
  },
]
