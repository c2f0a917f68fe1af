// Cluster naming. The embedded default names clusters by keywords; the LLM namer (later) plugs in here.
export { nameClusters, type ClusterLabel, type NameClustersOptions } from './keywords.ts';
