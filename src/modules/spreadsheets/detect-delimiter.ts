/** Delimiters Tresor recognises; on a tie the earlier wins (German Excel writes `;`). */
const DELIMITER_CANDIDATES = [';', '\t', ',', '|'] as const

/** How many records of the sample are compared. */
const SAMPLE_RECORDS = 50

/**
 * The delimiter of a CSV file, judged from a sample of its start: the candidate that splits the header
 * into more than one column and every sampled record into as many; failing that, the one most records
 * agree with. A one-column file gets the candidate that occurs least, so its values stay whole.
 */
export function detectDelimiter(sample: string, sampleIsWholeFile: boolean): string {
  const counts = countPerRecord(sample, sampleIsWholeFile)
  const header = counts[0]
  let best: { delimiter: string; agreeing: number } | undefined
  if (header) {
    DELIMITER_CANDIDATES.forEach((delimiter, index) => {
      const inHeader = header[index] ?? 0
      if (inHeader === 0) return
      const agreeing = counts.filter((record) => record[index] === inHeader).length
      if (!best || agreeing > best.agreeing) best = { delimiter, agreeing }
    })
  }
  return best?.delimiter ?? leastUsed(counts)
}

/**
 * For each non-empty record of the sample, how often each candidate occurs outside quotes. A record may
 * span lines (line breaks inside quotes); the last record is left out when the sample was cut off.
 */
function countPerRecord(sample: string, sampleIsWholeFile: boolean): number[][] {
  const records: number[][] = []
  let current = DELIMITER_CANDIDATES.map(() => 0)
  let empty = true
  let quoted = false
  for (const char of sample) {
    if (records.length === SAMPLE_RECORDS) return records
    if (char === '"') quoted = !quoted
    if (quoted) {
      empty = false
      continue
    }
    if (char === '\r' || char === '\n') {
      if (!empty) records.push(current)
      current = DELIMITER_CANDIDATES.map(() => 0)
      empty = true
      continue
    }
    empty = false
    const index = DELIMITER_CANDIDATES.indexOf(char as (typeof DELIMITER_CANDIDATES)[number])
    if (index >= 0) current[index] = (current[index] ?? 0) + 1
  }
  if (sampleIsWholeFile && !empty && records.length < SAMPLE_RECORDS) records.push(current)
  return records
}

function leastUsed(counts: number[][]): string {
  const totals = DELIMITER_CANDIDATES.map((_, index) =>
    counts.reduce((sum, record) => sum + (record[index] ?? 0), 0),
  )
  const fewest = Math.min(...totals)
  return DELIMITER_CANDIDATES[totals.indexOf(fewest)] ?? ';'
}
