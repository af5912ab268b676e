import type { OrgPolicyBlock, TrackedRepo } from '@trackeep/contracts';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../common/column-transformers.util';

export type RepoGithubState = TrackedRepo['githubState'];

/** One GitHub repository, shared by every user who tracks it (table from migration RepositoryData). */
@Entity({ name: 'repositories' })
export class RepositoryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'github_host', type: 'text' }) githubHost!: string;
  @Column({ name: 'github_id', type: 'bigint', transformer: bigintAsNumber }) githubId!: number;
  @Column({ name: 'node_id', type: 'text' }) nodeId!: string;
  @Column({ type: 'text' }) owner!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'full_name', type: 'text' }) fullName!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ type: 'text', nullable: true }) language!: string | null;
  @Column({ type: 'jsonb', default: {} }) languages!: Record<string, number>;
  @Column({ type: 'text', array: true, default: [] }) topics!: string[];
  @Column({ type: 'text', default: 'public' }) visibility!: 'public' | 'private' | 'internal';
  @Column({ name: 'default_branch', type: 'text', default: 'main' }) defaultBranch!: string;
  @Column({ type: 'boolean', default: false }) archived!: boolean;
  @Column({ type: 'integer', default: 0 }) stars!: number;
  @Column({ type: 'integer', default: 0 }) forks!: number;
  @Column({ type: 'integer', default: 0 }) watchers!: number;
  @Column({ name: 'open_issues', type: 'integer', default: 0 }) openIssues!: number;
  @Column({ name: 'size_kb', type: 'integer', default: 0 }) sizeKb!: number;
  @Column({ name: 'pushed_at', type: 'timestamptz', nullable: true }) pushedAt!: Date | null;
  @Column({ name: 'github_updated_at', type: 'timestamptz', nullable: true }) githubUpdatedAt!: Date | null;
  @Column({ name: 'html_url', type: 'text' }) htmlUrl!: string;
  @Column({ name: 'github_state', type: 'text', default: 'ok' }) githubState!: RepoGithubState;
  /** With needs_sso / oauth_app_blocked: the organization policy and where to act. */
  @Column({ name: 'github_block', type: 'jsonb', nullable: true }) githubBlock!: OrgPolicyBlock | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}

/** What RepoAccessService hands out: a repository row the caller is allowed to read. */
export type RepositoryRow = RepositoryEntity;
