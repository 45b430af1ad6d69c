import { load } from 'cheerio/slim';
import type { HtmlToTextOptions } from 'html-to-text';
import { compile } from 'html-to-text';

const skipped = [
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'canvas',
  'iframe',
  'object',
  'form',
  'button',
  'select',
  'nav',
  'header',
  'footer',
  'aside',
  'img',
  'picture',
  'video',
  'audio',
  '[role=navigation]',
  '[role=banner]',
  '[role=contentinfo]',
  '[aria-hidden=true]',
  '[hidden]',
];

const options: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    ...skipped.map((selector) => ({ selector, format: 'skip' })),
    { selector: 'a', options: { ignoreHref: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
      selector,
      options: { uppercase: false },
    })),
  ],
};

const convert = compile(options);

/** A page as the model reads it. */
export interface ReadablePage {
  /** `<title>`, or the first `<h1>`, or ''. */
  title: string;
  text: string;
}

/**
 * Turns an HTML page into readable text with html-to-text: headings, paragraphs, lists and
 * tables keep their layout as lines; scripts, styles, navigation, headers, footers, forms
 * and images are left out; runs of blank lines become one (Lagent's ContentFetcher).
 */
export function htmlToReadableText(html: string): ReadablePage {
  const $ = load(html);
  const title = ($('title').first().text() || $('h1').first().text()).replace(/\s+/g, ' ').trim();
  return { title, text: tidyText(convert(html)) };
}

/** Trims trailing spaces and collapses blank-line runs into one blank line. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
