// DOM building for the GUI and its panels. Data only ever becomes text nodes or
// property values, never markup: there is deliberately no way to pass HTML here.

const FORBIDDEN = new Set(['innerHTML', 'outerHTML', 'srcdoc', 'insertAdjacentHTML']);

/**
 * `h('button', { class: 'x', onclick: fn, disabled: true }, 'text', child…)`: an element
 * with properties/attributes/listeners and children (strings become text nodes; null,
 * undefined and false are skipped; arrays are flattened).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (FORBIDDEN.has(key)) throw new Error(`h(): ${key} is not allowed (render data as text)`);
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key in el && typeof el[key] !== 'function' && key !== 'list') el[key] = value;
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children as `h` does. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}
