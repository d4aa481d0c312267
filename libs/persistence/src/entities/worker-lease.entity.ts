import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from './columns.js';

/** A lease that lets one node of a cluster run a singleton worker (the webhook dispatcher). */
@Entity('worker_leases')
export class WorkerLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 64 })
  holder: string;

  @TimestampColumn()
  expiresAt: Date;
}
