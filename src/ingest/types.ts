// Shapes shared by the ingest layer: what containers yield (raw records), what format readers yield
// (conversations or rejects), the options users set and the summary an ingest run returns.
import type { Conversation, SourceLocation } from '../types.ts';

export const FORMAT_NAMES = ['openai', 'sharegpt', 'wildchat', 'hh', 'oasst', 'claude', 'prompt', 'mapped'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** How records are laid out in the file, independent of what a record means. */
export type ContainerName = 'jsonl' | 'json' | 'parquet' | 'csv';

/** A record that could not be read or understood, with where it is and why. */
export interface Reject {
  kind: 'reject';
  location: SourceLocation;
  /** Short and stable across records with the same problem (used to group counts). */
  reason: string;
  /** Record-specific detail (e.g. the parser's message); not used for grouping. */
  detail?: string;
}

/** One parsed record from a container (a JSONL line, an array element, a Parquet/CSV row). */
export interface RawRecord {
  kind: 'record';
  value: unknown;
  location: SourceLocation;
}

export interface ReadConversation {
  kind: 'conversation';
  conversation: Conversation;
  location: SourceLocation;
}

export type ReaderItem = ReadConversation | Reject;

/** User-named fields (dotted paths allowed) for files no built-in format describes. */
export interface FieldMapping {
  idField?: string;
  userField?: string;
  timeField?: string;
  messagesField?: string;
  textField?: string;
  /** Fields copied into the conversation's metadata. */
  metaFields?: string[];
}

export interface ReaderOptions extends FieldMapping {
  /** Anthropic HH: which transcript field to read (default `chosen`). */
  hhField?: string;
}

/** A format reader: says whether a sample record looks like its format, and turns records into conversations. */
export interface FormatReader {
  name: FormatName;
  detect(record: unknown, options: ReaderOptions): boolean;
  read(records: AsyncIterable<RawRecord | Reject>, options: ReaderOptions): AsyncGenerator<ReaderItem>;
}

export interface IngestOptions extends ReaderOptions {
  /** Force a format instead of detecting it per file. */
  format?: FormatName;
  /** Stop at the first bad record. */
  strict?: boolean;
  /** Records larger than this are rejected without being buffered whole (default 16 MB). */
  maxRecordBytes?: number;
  /** Conversations per database transaction (default 200,000, about 10 s of loading); outside --strict, a failure keeps the transactions committed before it. */
  batchSize?: number;
  /** Worker threads parsing JSONL files of one conversation per line (0: parse on the main thread; default: 1 or 2 for files over 8 MB). */
  threads?: number;
  /** Show the progress display (default true; CLIO_QUIET=1 silences it anyway). */
  progress?: boolean;
}

export interface FileSummary {
  file: string;
  sourceId?: number;
  format?: FormatName;
  container?: ContainerName;
  /** Records in the file: lines, array elements, rows (OpenAssistant: message rows). */
  recordsRead: number;
  /** Conversations the reader produced from those records. */
  conversationsRead: number;
  loaded: number;
  /** Conversations whose content hash was already present (in this file or the workspace). */
  duplicates: number;
  /** The part of `duplicates` that an earlier ingest had loaded. */
  alreadyLoaded: number;
  empty: number;
  noUserTurn: number;
  rejected: number;
  /** Reject counts grouped by field and reason. */
  rejectReasons: Record<string, number>;
  distinctUsers: number;
  /** Declared languages of the loaded conversations, most frequent first. */
  languages: Record<string, number>;
  rejectFile?: string;
  /** Set when the file could not be read at all (or stopped under --strict). */
  error?: string;
  seconds: number;
}

export interface IngestSummary {
  files: FileSummary[];
  loaded: number;
  duplicates: number;
  rejected: number;
  failedFiles: number;
}
