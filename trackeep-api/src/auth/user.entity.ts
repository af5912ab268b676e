import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../common/column-transformers.util';

/** A person who signed in, identified by GitHub host + numeric id (never login or email, which change). */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'github_host', type: 'text' }) githubHost!: string;
  @Column({ name: 'github_id', type: 'bigint', transformer: bigintAsNumber }) githubId!: number;
  @Column({ type: 'text' }) login!: string;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ name: 'avatar_url', type: 'text', nullable: true }) avatarUrl!: string | null;
  @Column({ type: 'text', array: true, default: [] }) scopes!: string[];
  /** AES-256-GCM ciphertext (see TokenCipher); never select it into anything that leaves the process. */
  @Column({ name: 'github_token_enc', type: 'text', nullable: true, select: false }) githubTokenEnc!:
    string | null;
  @Column({ name: 'token_updated_at', type: 'timestamptz', nullable: true }) tokenUpdatedAt!: Date | null;
  /** GitHub rejected the token (401) or the grant was revoked: the user must sign in again. */
  @Column({ name: 'reauth_required', type: 'boolean', default: false }) reauthRequired!: boolean;
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true }) lastLoginAt!: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}
