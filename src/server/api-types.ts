// The explorer API's response types, shared by the server (src/server/data.ts) and the web app
// (web/src/api.ts imports them as types). Plain declarations only: nothing here may import Node or DuckDB.
import type { Cluster, Count, Folded } from '../types.ts';

export type { Count, Folded };

export type FacetKind = 'category' | 'number' | 'text';

/** A visible cluster as the explorer shows it; its count of distinct users is not served. */
export interface ExplorerCluster extends Omit<Cluster, 'distinctUsers'> {
  /** Of the clustered corpus. */
  share: number;
  shareOfParent: number;
  x: number | null;
  y: number | null;
  /** Visible children. */
  childCount: number;
  /** Mean of every number facet over the cluster's conversations. */
  stats: Record<string, number>;
}

/** A number range: `min <= value < max`; a missing bound is open. */
export interface NumberBand {
  min?: number;
  max?: number;
}

export interface FacetInfo {
  name: string;
  kind: FacetKind;
  source: string;
  values?: Count[];
  min?: number;
  max?: number;
  /** Suggested ranges for overlays and comparisons (global quantile bins); the static export ships these. */
  bands?: NumberBand[];
}

export interface ExplorerMeta {
  runId: string;
  runs: string[];
  mode: 'keyword' | 'llm';
  /** What the run's mode did and cannot do, in the report's words. */
  modeNote: { summary: string; cannot: string[] };
  allowTraces: boolean;
  privacy: { minUsers: number; minConversations: number; userIdsPresent: boolean };
  corpus: { conversations: number; clustered: number; firstDate: string | null; lastDate: string | null };
  levels: number;
  facets: FacetInfo[];
}

export interface ClusterDetail {
  cluster: ExplorerCluster;
  children: ExplorerCluster[];
  other: Folded;
  facets: { name: string; kind: FacetKind; categories?: Count[]; histogram?: { from: number; to: number; count: number }[] }[];
  timeline: { period: string; count: number }[];
  path: { id: string; name: string }[];
}

export type FacetFilter = { facet: string; value: string } | { facet: string; min?: number; max?: number };

export interface OverlayResult {
  facet: string;
  matching: number;
  share: number;
  /** `few`: fewer than the thresholds match inside the cluster; then neither count nor share is given. */
  clusters: ({ id: string; count: number; share: number; few?: false } | { id: string; few: true; share: null })[];
}

export interface CompareResult {
  subset: { size: number; share: number };
  clusters: { id: string; name: string; level: number; subsetCount: number; size: number; ratio: number }[];
  /** Clusters whose ratio would rest on fewer conversations or users than the thresholds. */
  hidden: number;
}

export interface Trace {
  /** The first user message, PII-scrubbed and cut to 2,000 characters. */
  firstUserMessage: string;
  turns: number;
}

/** GET /api/search */
export interface SearchHit {
  id: string;
  name: string;
  level: number;
  description: string;
}
