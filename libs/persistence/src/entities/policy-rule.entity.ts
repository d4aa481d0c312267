import { Entity, PrimaryColumn, Column, Index, ManyToOne, JoinColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from './columns.js';
import { TenantOwned } from './tenant-owned.js';
import { PolicyEntity } from './policy.entity.js';

/** One Cedar statement of a tenant policy, with the notice shown when it denies. */
@Entity('policy_rules')
@Index(['tenantId', 'policyId'])
export class PolicyRuleEntity extends TenantOwned {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 36 })
  policyId: string;

  @ManyToOne(() => PolicyEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'policy_id' })
  policy?: PolicyEntity;

  @Column({ type: 'integer', default: 0 })
  position: number;

  @Column({ type: 'text' })
  policyText: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  notice: string | null;

  /** The structured fields the rule was built from, when it was not given as text. */
  @JsonColumn({ nullable: true })
  structured: Record<string, unknown> | null;

  @TimestampColumn()
  createdAt: Date;

  @TimestampColumn()
  updatedAt: Date;
}
