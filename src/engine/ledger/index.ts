export { GradeBook, standingOf } from './book.ts';
export { type CalibrationOptions, DEFAULT_CALIBRATION, WalkForwardCalibration } from './calibration.ts';
export type { DirectionGrade, Grade, MoveGrade, MuteChange, SweepGrade, TouchForecast, TouchGrade } from './grade.ts';
export { AccuracyLedger, DEFAULT_LEDGER, type LedgerHandlers, type LedgerOptions, RETURN_HORIZONS_MS, tradeDirection } from './ledger.ts';
export { median, ReliabilityBins, wilson, Z95 } from './stats.ts';
export { DEFAULT_MUTING, type LedgerRow, type MutingOptions, Tally } from './tally.ts';
export { CoinTape } from './tape.ts';
