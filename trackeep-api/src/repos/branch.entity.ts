import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'branches' })
export class BranchEntity {
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @PrimaryColumn({ type: 'text' }) name!: string;
  @Column({ name: 'head_sha', type: 'text' }) headSha!: string;
  @Column({ type: 'boolean', default: false }) protected!: boolean;
  @Column({ name: 'last_commit_at', type: 'timestamptz', nullable: true }) lastCommitAt!: Date | null;
  @Column({ name: 'ahead_by', type: 'integer', nullable: true }) aheadBy!: number | null;
  @Column({ name: 'behind_by', type: 'integer', nullable: true }) behindBy!: number | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}
