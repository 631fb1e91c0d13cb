// @ts-check
// Asking before a destructive action: a modal <dialog> (focus is trapped, Escape cancels).
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';

/** `ask` is { title, text, action, run } or null; `done` closes it. */
export function Confirm({ ask, done }) {
  const dialog = useRef(null);
  useEffect(() => {
    const d = dialog.current;
    if (ask && d && !d.open) d.showModal();
    if (!ask && d?.open) d.close();
  }, [ask]);
  return html`<dialog ref=${dialog} aria-labelledby="confirm-h" onClose=${() => done()}>
    ${
      ask &&
      html`<h3 id="confirm-h">${ask.title}</h3>
        <p>${ask.text}</p>
        <div class="buttons">
          <button
            type="button"
            class="danger"
            onClick=${() => {
              ask.run();
              done();
            }}
          >
            ${ask.action}
          </button>
          <button type="button" onClick=${() => done()}>Cancel</button>
        </div>`
    }
  </dialog>`;
}
