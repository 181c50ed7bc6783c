/**
 * The few browser interfaces the ops console's script uses, declared here
 * because the project type-checks against Deno's library, which has no DOM
 * (adding `lib.dom` to the program clashes with Deno's own stream types).
 * The script receives the browser's `window` as a `Browser`; what it does
 * with it is checked against these declarations, and the browser test runs
 * it for real.
 */

/** An element (HTML or SVG) as the script uses it. */
export interface El {
  id: string;
  className: string;
  textContent: string | null;
  hidden: boolean;
  disabled: boolean;
  value: string;
  checked: boolean;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: {
    add(...tokens: string[]): void;
    remove(...tokens: string[]): void;
    toggle(token: string, force?: boolean): boolean;
  };
  readonly children: ArrayLike<El>;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  append(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  querySelector(selector: string): El | null;
  focus(): void;
  remove(): void;
  contains(other: El | null): boolean;
}

/** An event as the script reads it. */
export interface DomEvent {
  readonly target: El | null;
  preventDefault(): void;
}

/** The document. */
export interface Doc {
  readonly activeElement: El | null;
  getElementById(id: string): El | null;
  createElement(tag: string): El;
  createElementNS(namespace: string, tag: string): El;
}

/** What the script takes from `window`. */
export interface Browser {
  document: Doc;
  fetch: typeof fetch;
  EventSource: typeof EventSource;
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
  atob(data: string): string;
}
