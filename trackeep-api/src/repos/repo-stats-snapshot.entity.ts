import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'repo_stats_snapshots' })
export class RepoStatsSnapshotEntity {
  /** bigserial; kept as a string because it is only ever an identifier. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @Column({ name: 'captured_at', type: 'timestamptz', default: () => 'now()' }) capturedAt!: Date;
  @Column({ type: 'integer' }) stars!: number;
  @Column({ type: 'integer' }) forks!: number;
  @Column({ type: 'integer' }) watchers!: number;
  @Column({ name: 'open_issues', type: 'integer' }) openIssues!: number;
}
