/** A set of listeners told about a new head position. */
export class Watchers {
  #listeners = new Set<(position: number) => void>();

  add(listener: (position: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(position: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(position);
      } catch (error) {
        console.error("Feed watcher failed", error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
