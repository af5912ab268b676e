import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'commits' })
export class CommitEntity {
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @PrimaryColumn({ type: 'text' }) sha!: string;
  @Column({ type: 'text' }) message!: string;
  @Column({ name: 'author_name', type: 'text', nullable: true }) authorName!: string | null;
  @Column({ name: 'author_email', type: 'text', nullable: true }) authorEmail!: string | null;
  @Column({ name: 'author_login', type: 'text', nullable: true }) authorLogin!: string | null;
  @Column({ name: 'authored_at', type: 'timestamptz' }) authoredAt!: Date;
  @Column({ name: 'committer_name', type: 'text', nullable: true }) committerName!: string | null;
  @Column({ name: 'committer_email', type: 'text', nullable: true }) committerEmail!: string | null;
  @Column({ name: 'committer_login', type: 'text', nullable: true }) committerLogin!: string | null;
  @Column({ name: 'committed_at', type: 'timestamptz' }) committedAt!: Date;
  @Column({ type: 'integer', nullable: true }) additions!: number | null;
  @Column({ type: 'integer', nullable: true }) deletions!: number | null;
  @Column({ name: 'changed_files', type: 'integer', nullable: true }) changedFiles!: number | null;
  @Column({ type: 'text', array: true, default: [] }) parents!: string[];
  @Column({ name: 'html_url', type: 'text' }) htmlUrl!: string;
}

/** Which branch histories a commit was seen on (for the commit list's branch filter). */
@Entity({ name: 'branch_commits' })
export class BranchCommitEntity {
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @PrimaryColumn({ type: 'text' }) branch!: string;
  @PrimaryColumn({ type: 'text' }) sha!: string;
}
