/**
 * Cuts `text` at the first occurrence of any stop word (Lagent's `filter_suffix`). Servers
 * that ignore `stop`, or emit the stop word before stopping, still give the same reply.
 */
export function cutAtStopWords(text: string, stopWords: readonly string[]): string {
  let end = text.length;
  for (const word of stopWords) {
    if (word === '') continue;
    const index = text.indexOf(word);
    if (index !== -1 && index < end) end = index;
  }
  return text.slice(0, end);
}

/**
 * Length of the longest tail of `text` that could be the start of a stop word. While
 * streaming, that tail is held back until the next chunk shows whether it is one.
 */
export function stopWordPrefixLength(text: string, stopWords: readonly string[]): number {
  let longest = 0;
  for (const word of stopWords) {
    for (let size = Math.min(word.length - 1, text.length); size > longest; size -= 1) {
      if (text.endsWith(word.slice(0, size))) {
        longest = size;
        break;
      }
    }
  }
  return longest;
}
