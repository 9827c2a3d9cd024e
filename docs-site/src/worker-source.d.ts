/** `import source from './x.ts?worker'`: x.ts bundled on its own, as text (docs-site/build.mjs). */
declare module '*?worker' {
  const source: string;
  export default source;
}
