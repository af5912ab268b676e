import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'activity_events' })
export class ActivityEventEntity {
  /** bigserial; a string so it never loses precision (it is also the SSE event id). */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @Column({ type: 'text' }) type!: string;
  @Column({ type: 'text', nullable: true }) actor!: string | null;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text', nullable: true }) url!: string | null;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ type: 'jsonb', default: {} }) data!: Record<string, unknown>;
  @Column({ name: 'dedupe_key', type: 'text' }) dedupeKey!: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
}
