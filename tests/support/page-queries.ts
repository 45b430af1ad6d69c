// What the browser tests read from a page, written to hold on a loaded machine: each waits
// for the page's own state (never a fixed time). Code run in the page is written as strings:
// the tests are type-checked without the DOM library (it clashes with undici's fetch types).
import type { Page } from 'puppeteer-core';

/** Room for a sandbox start under gVisor on a loaded machine. */
export const UI_WAIT_MS = 90_000;

/** Resolves at the page's next animation frame. */
export const NEXT_FRAME = 'new Promise((resolve) => requestAnimationFrame(() => resolve(true)))';

interface DomNode {
  nodeType: number;
  nodeValue?: string;
  attributes?: string[];
  children?: DomNode[];
  contentDocument?: DomNode;
}

/**
 * The text of the element with `id` inside the page's iframes, read from the DevTools DOM
 * (pierced into frames) until it appears.
 */
export async function framedText({ page, id }: { page: Page; id: string }): Promise<string> {
  const session = await page.createCDPSession();
  const find = (node: DomNode, inFrame: boolean): DomNode | undefined => {
    const attributes = node.attributes ?? [];
    for (let index = 0; index < attributes.length; index += 2) {
      if (inFrame && attributes[index] === 'id' && attributes[index + 1] === id) return node;
    }
    for (const child of node.children ?? []) {
      const found = find(child, inFrame);
      if (found) return found;
    }
    return node.contentDocument ? find(node.contentDocument, true) : undefined;
  };
  const deadline = Date.now() + UI_WAIT_MS;
  try {
    for (;;) {
      const { root } = (await session.send('DOM.getDocument', { depth: -1, pierce: true })) as {
        root: DomNode;
      };
      const element = find(root, false);
      if (element) {
        return (element.children ?? []).map((child) => child.nodeValue ?? '').join('');
      }
      if (Date.now() > deadline) throw new Error(`no #${id} inside a frame`);
      // The next animation frame: the iframe's document may not have loaded yet.
      await page.evaluate(NEXT_FRAME);
    }
  } finally {
    await session.detach();
  }
}

/** Waits until the element's text contains `text`. */
export async function waitForText({
  page,
  selector,
  text,
}: {
  page: Page;
  selector: string;
  text: string;
}): Promise<void> {
  const [element, wanted] = [JSON.stringify(selector), JSON.stringify(text)];
  await page.waitForFunction(
    `(document.querySelector(${element})?.textContent ?? '').includes(${wanted})`,
    { timeout: UI_WAIT_MS },
  );
}
