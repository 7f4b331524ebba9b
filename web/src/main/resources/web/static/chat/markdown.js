// Model output is untrusted input. It is rendered as Markdown by marked, with every piece of raw HTML in it shown as
// text, then sanitised by DOMPurify with a short allow-list (no images, no forms, no frames, no styles, no event
// handlers, links only to http(s) and mailto, opened with rel="noopener noreferrer"), then code is highlighted by
// highlight.js, which works on text only.
let marked;
let purify;

const ALLOWED_TAGS = ['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'del', 'code', 'pre',
  'blockquote', 'ul', 'ol', 'li', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'];
const PURIFY = {
  ALLOWED_TAGS,
  ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'align'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function loadMarkdown(markedUrl, purifyUrl) {
  const [markedModule, purifyModule] = await Promise.all([import(markedUrl), import(purifyUrl)]);
  marked = new markedModule.Marked({ gfm: true, async: false });
  marked.use({
    renderer: {
      html: (token) => escapeHtml(token.text ?? token.raw ?? ''),
      // No images: a remote one would leak that the page was read (and CSP blocks it anyway).
      image: (token) => `<a href="${escapeHtml(token.href ?? '')}">${escapeHtml(token.text || token.href || 'image')}</a>`,
    },
  });
  purify = purifyModule.default;
  purify.addHook('uponSanitizeAttribute', (node, data) => {
    // Only the code language class marked sets, so no output can borrow the page's own classes.
    if (data.attrName === 'class' && !/^language-[\w+-]{1,40}$/.test(data.attrValue)) data.keepAttr = false;
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('rel', 'noopener noreferrer');
      node.setAttribute('target', '_blank');
    }
  });
}

export function renderMarkdown(element, text) {
  const fragment = purify.sanitize(marked.parse(text || ''), PURIFY);
  element.replaceChildren(fragment);
  const hljs = window.hljs;
  if (!hljs) return;
  element.querySelectorAll('pre code').forEach((code) => {
    // A language highlight.js does not know (the model named it) is guessed instead, without a console warning.
    const language = [...code.classList].find((c) => c.startsWith('language-'));
    if (language && !hljs.getLanguage(language.slice('language-'.length))) code.classList.remove(language);
    hljs.highlightElement(code);
  });
}
