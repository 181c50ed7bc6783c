/**
 * A client of server-sent events for tests, written from the HTML standard's
 * parsing rules (not the server's code): fields `id`, `event`, `data`,
 * `retry`, comments, a blank line dispatches.
 */

/** One dispatched event, or a comment. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
  comment?: string;
}

/** Reads events from a `text/event-stream` body. */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #pending: SseEvent[] = [];
  #ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** True once the stream ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next event or comment; null at the end of the stream. */
  async next(): Promise<SseEvent | null> {
    while (this.#pending.length === 0) {
      if (this.#ended) return null;
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        continue;
      }
      this.#buffer += value;
      this.#parse();
    }
    return this.#pending.shift()!;
  }

  /**
   * The next `count` data events (comments skipped); fewer if the stream
   * ends; rejects when they do not come within `timeoutMs` (the events read
   * so far are lost then).
   */
  async events(count: number, timeoutMs = 15_000): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `${out.length} of ${count} events within ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      while (out.length < count) {
        const event = await Promise.race([this.next(), late]);
        if (event === null) break;
        if (event.comment === undefined) out.push(event);
      }
      return out;
    } finally {
      clearTimeout(timer);
      late.catch(() => {});
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  #parse(): void {
    this.#buffer = this.#buffer.replace(/\r\n?/g, "\n");
    for (;;) {
      const blockEnd = this.#buffer.indexOf("\n\n");
      if (blockEnd === -1) return;
      const block = this.#buffer.slice(0, blockEnd);
      this.#buffer = this.#buffer.slice(blockEnd + 2);
      let id: string | null = null;
      let event = "";
      const data: string[] = [];
      let comment: string | undefined;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          comment = line.slice(1).trim();
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "id") id = value;
        else if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length > 0) {
        this.#pending.push({
          id,
          event: event || "message",
          data: data.join("\n"),
        });
      } else if (comment !== undefined) {
        this.#pending.push({ id: null, event: "", data: "", comment });
      }
    }
  }
}
