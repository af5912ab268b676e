import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RepoPermission } from '@trackeep/contracts';

/** GitHub's answer, when last asked, to "may this user read this repo, and how much more?". No row, no access. */
@Entity({ name: 'repo_access' })
export class RepoAccessEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId!: string;
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @Column({ type: 'text' }) permission!: RepoPermission;
  @Column({ name: 'checked_at', type: 'timestamptz', default: () => 'now()' }) checkedAt!: Date;
}
