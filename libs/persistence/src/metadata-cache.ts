import type { EntityMetadata } from 'typeorm';

/** Values kept per entity and key: SQL written from the metadata once per shape of call. */
export class MetadataCache<T> {
  private readonly byEntity = new WeakMap<EntityMetadata, Map<string, T>>();

  /** The value for (`metadata`, `key`), made by `make` the first time it is asked for. */
  get(metadata: EntityMetadata, key: string, make: () => T): T {
    let byKey = this.byEntity.get(metadata);
    if (!byKey) this.byEntity.set(metadata, (byKey = new Map<string, T>()));
    let value = byKey.get(key);
    if (value === undefined) byKey.set(key, (value = make()));
    return value;
  }
}
