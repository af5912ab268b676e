import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user's choice to follow a repository. Visibility of its data also needs a RepoAccessEntity row. */
@Entity({ name: 'tracked_repos' })
export class TrackedRepoEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId!: string;
  @PrimaryColumn({ name: 'repo_id', type: 'uuid' }) repoId!: string;
  @Column({ name: 'tracked_at', type: 'timestamptz', default: () => 'now()' }) trackedAt!: Date;
}
