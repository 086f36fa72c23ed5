// fontkit ships no types; only what fonts.ts uses (glyph coverage of a font file).
declare module 'fontkit' {
  interface Font {
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function openSync(path: string): Font;
}
