/**
 * Preact's elements from tagged templates (htm: no JSX step). Every `${value}` in a child
 * position becomes a text node, so what user code printed is shown as text, never parsed as
 * markup.
 */
export { html } from 'htm/preact';
