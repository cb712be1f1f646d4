import { DomainError } from '@maple/platform';

export const SANCTIONS_FILE_MALFORMED = 'COMPLIANCE.SANCTIONS_FILE_MALFORMED';
export const SANCTIONS_FILE_MISSING = 'COMPLIANCE.SANCTIONS_FILE_MISSING';
export const SCREENING_QUERY_INVALID = 'COMPLIANCE.SCREENING_QUERY_INVALID';

export type SanctionsImportErrorCode = typeof SANCTIONS_FILE_MALFORMED | typeof SANCTIONS_FILE_MISSING;

/**
 * A sanctions list file that cannot be imported. `file` is the file's name (e.g. `sdn.csv`) and
 * `line` the 1-based line where the offending record starts (0 when the whole file is at fault).
 */
export class SanctionsImportError extends DomainError {
  constructor(
    code: SanctionsImportErrorCode,
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(code, line > 0 ? `${file} line ${line}: ${reason}` : `${file}: ${reason}`, { file, line });
    this.name = 'SanctionsImportError';
  }
}

/** A screening query the matcher cannot honour as asked (an unreadable date of birth, say). */
export class ScreeningQueryError extends DomainError {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(SCREENING_QUERY_INVALID, `${field}: ${reason}`, { field });
    this.name = 'ScreeningQueryError';
  }
}
