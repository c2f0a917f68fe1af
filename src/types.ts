// The typed records that flow between pipeline stages.

export type Role = 'user' | 'assistant' | 'system' | 'tool';

export interface Message {
  role: Role;
  content: string;
}

/** One conversation as a reader produces it, before it is stored. */
export interface Conversation {
  /** The id the source file gave it, if any. */
  externalId?: string;
  /** Raw user key from the source (hashed with the workspace salt before storage; never stored raw). */
  userKey?: string;
  createdAt?: Date;
  model?: string;
  /** Language as the source declared it (e.g. WildChat's `language`), not detected. */
  language?: string;
  messages: Message[];
  metadata: Record<string, unknown>;
}

/** Where a record came from, for error messages and reject files. */
export interface SourceLocation {
  file: string;
  /** 1-based line for text formats, 1-based row for Parquet/CSV/JSON arrays. */
  line?: number;
  row?: number;
  field?: string;
}

export type FacetKind = 'text' | 'category' | 'number';
export type FacetSource = 'computed' | 'model';

export interface FacetDefinition {
  name: string;
  kind: FacetKind;
  source: FacetSource;
  description: string;
}

export interface FacetValue {
  conversationId: string;
  facet: string;
  text?: string;
  number?: number;
}

/** A cluster at some level of the hierarchy (level 0 = base clusters). */
export interface Cluster {
  id: string;
  level: number;
  parentId: string | null;
  name: string;
  description: string;
  size: number;
  distinctUsers: number;
}

/** One value of a breakdown and how many conversations have it. */
export interface Count {
  value: string;
  count: number;
}

/** What an "other" line holds: hidden clusters folded into their parent, and their conversations. */
export interface Folded {
  clusters: number;
  conversations: number;
}
