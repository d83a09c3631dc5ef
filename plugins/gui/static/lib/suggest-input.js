// A text input with a suggestion list filled from /api/suggest as the user types.
// Suggestions are rendered as text; picking one (click or Enter) sets the input.
import { h, clear } from './dom.js';

/**
 * `suggestInput({ value, placeholder, className, load(text) → Promise<string[]>, onChange(v), complete })`
 * returns the wrapper element; `onChange` runs on every edit and pick. `complete(text, name)`
 * gives the input's text after picking `name` (default: `name`; a list input like
 * `a|b` replaces only its last item).
 */
export function suggestInput({ value = '', placeholder = '', className = '', load, onChange, complete = (_text, name) => name }) {
  const input = h('input', { type: 'text', value, placeholder, class: className, autocomplete: 'off', spellcheck: false });
  const list = h('ul', { role: 'listbox', hidden: true });
  let items = [];
  let active = -1;
  let sequence = 0;
  let debounce;

  const close = () => {
    list.hidden = true;
    active = -1;
  };
  const pick = (name) => {
    input.value = complete(input.value, name);
    close();
    onChange(input.value);
  };
  const highlight = (index) => {
    active = index;
    [...list.children].forEach((li, i) => li.classList.toggle('active', i === index));
  };
  const show = (names) => {
    items = names;
    clear(list);
    for (const name of names) {
      // mousedown, not click: it comes before the input's blur closes the list.
      list.append(h('li', { role: 'option', onmousedown: (event) => { event.preventDefault(); pick(name); } }, name));
    }
    list.hidden = names.length === 0;
    active = -1;
  };
  const refresh = () => {
    const mine = ++sequence; // a slow answer for an older prefix is dropped
    load(input.value).then((names) => mine === sequence && document.activeElement === input && show(names), () => close());
  };

  input.addEventListener('input', () => {
    onChange(input.value);
    // The list on screen is for the old text: hide it, and drop answers still on their way.
    sequence++;
    close();
    clearTimeout(debounce);
    debounce = setTimeout(refresh, 120);
  });
  input.addEventListener('focus', refresh);
  input.addEventListener('blur', close);
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    if (event.key === 'ArrowDown') highlight(Math.min(items.length - 1, active + 1));
    else if (event.key === 'ArrowUp') highlight(Math.max(0, active - 1));
    else if (event.key === 'Escape') close();
    else if (event.key === 'Enter' && active >= 0) pick(items[active]);
    else return;
    event.preventDefault();
  });
  return h('span', { class: 'suggest' }, input, list);
}
