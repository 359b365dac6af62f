/** The part of text-readability (no bundled types) that the readability test uses. */
declare module 'text-readability' {
  interface Readability {
    /** Flesch–Kincaid grade level: 0.39 × words/sentence + 11.8 × syllables/word − 15.59. */
    fleschKincaidGrade(text: string): number;
    sentenceCount(text: string): number;
    lexiconCount(text: string, removePunctuation?: boolean): number;
    syllableCount(text: string): number;
  }
  const readability: Readability;
  export default readability;
}
