/**
 * The in-process bus: synchronous fan-out, in publish order. Engines stay pure reducers; the bus
 * only connects them to consumers (store, API, console) on the embedded default. The scale-out
 * deployment puts NATS JetStream behind the same `publish`/`subscribe` shape.
 */
export type Handler<E> = (e: E) => void;

export class Bus<E> {
  private handlers: Handler<E>[] = [];

  subscribe(h: Handler<E>): () => void {
    this.handlers = [...this.handlers, h];
    return () => {
      this.handlers = this.handlers.filter((x) => x !== h);
    };
  }

  publish(e: E): void {
    const hs = this.handlers;
    for (let i = 0; i < hs.length; i++) (hs[i] as Handler<E>)(e);
  }

  get size(): number {
    return this.handlers.length;
  }
}
