import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import type { Commit } from '@trackeep/contracts';
import { exactTime, firstLine, shortSha } from '../../../shared/format.util';
import { IconComponent } from '../../../shared/icon.component';
import { MissingFigureComponent } from '../../../shared/missing-figure.component';
import { RelativeTimeComponent } from '../../../shared/relative-time.component';

export interface CommitDetailData {
  commit: Commit;
  repoFullName: string;
}

@Component({
  selector: 'trk-commit-detail-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatDialogModule, IconComponent, MissingFigureComponent, RelativeTimeComponent],
  template: `
    @let c = data.commit;
    <h2 mat-dialog-title>{{ title() }}</h2>
    <mat-dialog-content>
      @if (body()) {
        <pre class="body">{{ body() }}</pre>
      }
      <dl>
        <dt>Commit</dt>
        <dd>
          <code>{{ c.sha }}</code>
        </dd>
        <dt>Author</dt>
        <dd>
          {{ c.author.name ?? c.author.login ?? 'unknown' }}
          @if (c.author.login && c.author.name) {
            <span class="muted">({{ c.author.login }})</span>
          }
          · <trk-time [at]="c.author.date" /> <span class="muted">({{ exact(c.author.date) }})</span>
        </dd>
        @if (committerDiffers()) {
          <dt>Committed by</dt>
          <dd>
            {{ c.committer.name ?? c.committer.login ?? 'unknown' }} · <trk-time [at]="c.committer.date" />
          </dd>
        }
        <dt>Changes</dt>
        <dd>
          @if (c.additions !== null && c.deletions !== null) {
            <span class="add">+{{ c.additions }}</span> <span class="del">−{{ c.deletions }}</span>
            <span class="bar" aria-hidden="true"
              ><span class="add-bar" [style.width.%]="addShare()"></span
            ></span>
          } @else {
            <trk-missing-figure />
          }
        </dd>
        <dt>Files changed</dt>
        <dd>
          @if (c.changedFiles !== null) {
            {{ c.changedFiles }}
          } @else {
            <trk-missing-figure />
          }
        </dd>
        <dt>{{ c.parents.length > 1 ? 'Parents' : 'Parent' }}</dt>
        <dd>
          @for (p of c.parents; track p) {
            <code>{{ short(p) }}</code>
          } @empty {
            <span class="muted">none (root commit)</span>
          }
        </dd>
      </dl>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <a mat-button [href]="c.htmlUrl" target="_blank" rel="noopener noreferrer"
        >View on GitHub <trk-icon name="external" [size]="12" /><span class="sr-only"
          >(opens in a new tab)</span
        ></a
      >
      <button mat-flat-button mat-dialog-close type="button">Close</button>
    </mat-dialog-actions>
  `,
  styles: `
    .body {
      white-space: pre-wrap;
      font-family: var(--trk-mono);
      font-size: 13px;
      margin: 0 0 16px;
      padding: 12px;
      border-radius: 8px;
      background: var(--mat-sys-surface-container-high);
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 8px 16px;
      margin: 0;
    }
    dt {
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
      display: flex;
      flex-wrap: wrap;
      gap: 4px 8px;
      align-items: center;
    }
    .add {
      color: var(--trk-success);
    }
    .del {
      color: var(--mat-sys-error);
    }
    .bar {
      display: inline-block;
      width: 80px;
      height: 8px;
      border-radius: 4px;
      background: var(--mat-sys-error);
      overflow: hidden;
    }
    .add-bar {
      display: block;
      height: 100%;
      background: var(--trk-success);
    }
    @media (max-width: 480px) {
      dl {
        grid-template-columns: 1fr;
        gap: 2px;
      }
      dd {
        margin-bottom: 8px;
      }
    }
  `,
})
export class CommitDetailDialog {
  protected readonly data = inject<CommitDetailData>(MAT_DIALOG_DATA);
  protected readonly title = computed(() => firstLine(this.data.commit.message));
  protected readonly body = computed(() => {
    const message = this.data.commit.message;
    const end = message.indexOf('\n');
    return end === -1 ? '' : message.slice(end + 1).trim();
  });
  protected readonly committerDiffers = computed(() => {
    const { author, committer } = this.data.commit;
    return (committer.login ?? committer.name) !== (author.login ?? author.name);
  });
  protected readonly addShare = computed(() => {
    const { additions, deletions } = this.data.commit;
    const total = (additions ?? 0) + (deletions ?? 0);
    return total ? Math.round(((additions ?? 0) / total) * 100) : 50;
  });
  protected readonly exact = exactTime;
  protected readonly short = shortSha;
}
