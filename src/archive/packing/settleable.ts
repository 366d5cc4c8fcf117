/**
 * A promise settled from outside (Node 20 has no Promise.withResolvers). A rejection is never
 * unhandled: whoever awaits `done` still gets it.
 */
export interface Settleable<T> {
  done: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: Error) => void;
}

export function settleable<T>(): Settleable<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const done = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => {});
  return { done, resolve, reject };
}
