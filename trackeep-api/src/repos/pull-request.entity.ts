import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'pull_requests' })
export class PullRequestEntity {
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @PrimaryColumn({ type: 'integer' }) number!: number;
  @Column({ name: 'node_id', type: 'text', nullable: true }) nodeId!: string | null;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) state!: 'open' | 'closed' | 'merged';
  @Column({ type: 'boolean', default: false }) draft!: boolean;
  @Column({ name: 'author_login', type: 'text', nullable: true }) authorLogin!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt!: Date | null;
  @Column({ name: 'merged_at', type: 'timestamptz', nullable: true }) mergedAt!: Date | null;
  @Column({ name: 'base_ref', type: 'text' }) baseRef!: string;
  @Column({ name: 'head_ref', type: 'text' }) headRef!: string;
  @Column({ type: 'integer', nullable: true }) additions!: number | null;
  @Column({ type: 'integer', nullable: true }) deletions!: number | null;
  @Column({ name: 'changed_files', type: 'integer', nullable: true }) changedFiles!: number | null;
  @Column({ name: 'commits_count', type: 'integer', nullable: true }) commitsCount!: number | null;
  @Column({ name: 'review_count', type: 'integer', default: 0 }) reviewCount!: number;
  @Column({ name: 'first_review_at', type: 'timestamptz', nullable: true }) firstReviewAt!: Date | null;
  @Column({ type: 'text', array: true, default: [] }) labels!: string[];
  @Column({ name: 'html_url', type: 'text' }) htmlUrl!: string;
}
