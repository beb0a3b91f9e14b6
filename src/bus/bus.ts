/**
 * The in-process bus: synchronous fan-out to every subscriber, in publish order, within one
 * process. The pipeline carries market events, position changes, drift reports and applied
 * account snapshots on it from the position book to the engines; engines stay pure reducers.
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
