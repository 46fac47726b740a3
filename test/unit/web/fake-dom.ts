/**
 * Just enough DOM to run the dashboard's inline script in Node: no jsdom in the project, and a
 * real browser is not available to unit tests. It covers exactly the API surface the script
 * uses, so a script change that needs more fails loudly here instead of silently in a browser.
 */
export interface FakeEvent {
  type: string;
  target: FakeElement | null;
  key?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

type Listener = (event: FakeEvent) => void;
export type FakeChild = FakeElement | string;

export class FakeElement {
  readonly tagName: string;
  readonly attributes = new Map<string, string>();
  children: FakeChild[] = [];
  readonly listeners = new Map<string, Listener[]>();
  readonly style: Record<string, string> = {};
  readonly isContentEditable = false;
  className = '';
  hidden = false;
  value = '';
  readonly document: FakeDocument;

  constructor(document: FakeDocument, tagName: string) {
    this.document = document;
    this.tagName = tagName.toUpperCase();
  }

  append(...nodes: (FakeChild | null | undefined)[]): void {
    for (const node of nodes) {
      if (node === null || node === undefined) throw new TypeError('append() got null');
      this.children.push(node);
    }
  }

  replaceChildren(...nodes: FakeChild[]): void {
    this.children = [];
    this.append(...nodes);
  }

  get firstChild(): FakeChild | null {
    return this.children[0] ?? null;
  }

  get textContent(): string {
    return this.children.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
  }

  set textContent(value: string) {
    this.children = value === '' ? [] : [String(value)];
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  focus(): void {
    this.document.activeElement = this;
  }

  dispatch(type: string, init: Partial<FakeEvent> = {}): FakeEvent {
    const event: FakeEvent = {
      type,
      target: this,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
      ...init,
    };
    for (const listener of this.listeners.get(type) ?? []) listener(event);
    return event;
  }

  click(): FakeEvent {
    return this.dispatch('click');
  }

  /** Every descendant element, depth first, in document order. */
  descendants(): FakeElement[] {
    return this.children.flatMap((c) => (typeof c === 'string' ? [] : [c, ...c.descendants()]));
  }

  byTestId(testId: string): FakeElement[] {
    return this.descendants().filter((e) => e.getAttribute('data-testid') === testId);
  }

  /** Hidden here or by an ancestor is not modelled: the script only hides whole rows. */
  get visible(): boolean {
    return !this.hidden;
  }
}

export class FakeDocument {
  readonly byId = new Map<string, FakeElement>();
  readonly created: FakeElement[] = [];
  readonly body: FakeElement;
  readonly listeners = new Map<string, Listener[]>();
  activeElement: FakeElement | null = null;

  /** The static elements the page's HTML provides, with the tag the script may inspect. */
  constructor(staticElements: Record<string, string>) {
    this.body = new FakeElement(this, 'body');
    for (const [id, tag] of Object.entries(staticElements)) {
      const element = new FakeElement(this, tag);
      element.setAttribute('id', id);
      this.byId.set(id, element);
      this.body.append(element);
    }
  }

  getElementById(id: string): FakeElement | null {
    return this.byId.get(id) ?? null;
  }

  createElement(tag: string): FakeElement {
    const element = new FakeElement(this, tag);
    this.created.push(element);
    return element;
  }

  createElementNS(_namespace: string, tag: string): FakeElement {
    return this.createElement(tag);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  dispatch(type: string, init: Partial<FakeEvent>): FakeEvent {
    const event: FakeEvent = {
      type,
      target: null,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
      ...init,
    };
    for (const listener of this.listeners.get(type) ?? []) listener(event);
    return event;
  }

  element(id: string): FakeElement {
    const element = this.byId.get(id);
    if (!element) throw new Error(`no element #${id}`);
    return element;
  }
}

/** The ids (and tags) of every element of the dashboard's HTML that its script looks up. */
export function staticIdsOf(html: string): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const match of html.matchAll(/<([a-z0-9]+)\b[^>]*\sid="([^"]+)"/g)) {
    ids[match[2] as string] = match[1] as string;
  }
  return ids;
}
