// 2-D map of conversations and clusters.
export { clusterCentres, DEFAULT_MAP_SAMPLE, projectTo2d, type ProjectOptions } from './project.ts';
export { hierarchyPullWeights, pullTowardClusters, type PullOptions } from './pull.ts';
