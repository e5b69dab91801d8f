// A small element builder, so views read as the markup they make.
//
//   h('a', { href, class: 'source' }, 'text', otherNode)
//
// Attributes: `class`, `dataset` (an object), `on` (event name -> handler),
// anything else as an attribute (false/null/undefined leave it out).
// Children: nodes, strings, numbers, arrays of them; null/false are skipped.
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...flatten(children));
  return element;
}

function flatten(children) {
  return children
    .flat(Infinity)
    .filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (typeof child === 'number' ? String(child) : child));
}

// Replaces the children of `element`.
export function replaceChildren(element, ...children) {
  element.replaceChildren(...flatten(children));
}
