/**
 * Build DOM nodes without innerHTML: everything a badge or an agent says is text, never markup.
 */

/**
 * `h('a', {href, class: 'x', onclick}, 'text', child)`: attributes by name (`class`, `for`,
 * `aria-*`, `data-*` as written; `on…` functions become listeners; `false`/null/undefined are
 * left out), then children (strings become text nodes; null and false are skipped).
 * @param {string} tag
 * @param {Record<string, any> | null} [attributes]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = null, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'hidden' || name === 'disabled') {
      element[name] = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/**
 * Replace an element's children.
 * @param {Element} element
 * @param {...(Node | string | null | undefined | false)} children
 */
export function fill(element, ...children) {
  element.replaceChildren(
    ...children.filter((child) => child !== null && child !== undefined && child !== false),
  );
  return element;
}
