/** Turns texts into unit-length vectors. Swappable: USE-lite (default), Hugging Face models, later LLM providers. */
export interface Embedder {
  /** Stable id used as the cache key's model part, e.g. `use-lite` or `hf:Xenova/all-mpnet-base-v2`. */
  id: string;
  dimensions: number;
  /** One Float32Array per text, L2-normalised. */
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Embeds one batch into a flat Float32Array of texts.length x dimensions, rows L2-normalised. */
export type FlatBatchEmbed = (texts: string[]) => Promise<Float32Array>;
