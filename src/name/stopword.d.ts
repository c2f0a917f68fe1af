// The `stopword` package ships no types; we only read its per-language word lists (ISO 639-3 keys).
declare module 'stopword' {
  const lists: Record<string, string[] | unknown>;
  export default lists;
}
