import {
  DataProviderApi,
  type AttributeValues,
  type Entity,
  type ProvidedEntity,
  type ValuesStoreParams,
} from '@h5web/app';
import type { Call } from './h5-worker.ts';

/** How much of the file the worker has fetched so far (shown under the viewer, read by tests). */
export interface TransferStats {
  requests: number;
  bytes: number;
  size: number;
}

/**
 * @h5web's data provider over the range-reading h5wasm worker (h5-worker.ts): each call is one
 * message, answered by id.
 */
export class WorkerProviderApi extends DataProviderApi {
  private readonly worker = new Worker(new URL('./h5-worker.ts', import.meta.url));
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  readonly ready: Promise<{ size: number }>;

  constructor(filename: string, url: string) {
    super(filename);
    this.worker.onmessage = (e: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
      const w = this.waiting.get(e.data.id);
      this.waiting.delete(e.data.id);
      if (e.data.error !== undefined) w?.reject(new Error(e.data.error));
      else w?.resolve(e.data.result);
    };
    this.ready = this.call({ method: 'open', url }) as Promise<{ size: number }>;
  }

  private call(call: Call): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, call });
    });
  }

  override async getEntity(path: string): Promise<ProvidedEntity> {
    await this.ready;
    return (await this.call({ method: 'getEntity', path })) as ProvidedEntity;
  }

  override async getValue({ dataset, selection }: ValuesStoreParams): Promise<unknown> {
    await this.ready;
    return this.call({ method: 'getValue', path: dataset.path, selection });
  }

  override async getAttrValues(entity: Entity): Promise<AttributeValues> {
    await this.ready;
    const names = entity.attributes.map((a) => a.name);
    return (await this.call({ method: 'getAttrValues', path: entity.path, names })) as AttributeValues;
  }

  override async getSearchablePaths(path: string): Promise<string[]> {
    await this.ready;
    return (await this.call({ method: 'getSearchablePaths', path })) as string[];
  }

  stats(): Promise<TransferStats | null> {
    return this.call({ method: 'stats' }) as Promise<TransferStats | null>;
  }

  close() {
    this.worker.terminate();
    for (const w of this.waiting.values()) w.reject(new Error('closed'));
    this.waiting.clear();
  }
}
