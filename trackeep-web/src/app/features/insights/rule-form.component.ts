import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import type { RepoInsightsSettings } from '@trackeep/contracts';
import { firstValueFrom } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { InsightsApi } from '../../core/api/insights.api';
import { formOf, settingsOf, type RuleForm } from './rule-form';

/** Changes how a repository's deployments and incidents are detected (the API checks the permission). */
@Component({
  selector: 'trk-rule-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form (submit)="$event.preventDefault(); save()" aria-labelledby="rule-form-title">
      <h4 id="rule-form-title">Change the rule</h4>
      <label
        >A deployment is
        <select [value]="form().kind" (change)="set({ kind: $any($event.target).value })">
          <option value="deployments">a GitHub deployment to these environments</option>
          <option value="releases">a published release</option>
          <option value="tags">a tag matching a pattern</option>
          <option value="workflow">a successful run of a workflow on the default branch</option>
          <option value="merges">every merge into the default branch</option>
        </select>
      </label>
      @switch (form().kind) {
        @case ('deployments') {
          <label
            >Environments (comma-separated)
            <input [value]="form().environments" (input)="set({ environments: $any($event.target).value })"
          /></label>
        }
        @case ('releases') {
          <label class="check"
            ><input
              type="checkbox"
              [checked]="form().includePrereleases"
              (change)="set({ includePrereleases: $any($event.target).checked })"
            />
            Count pre-releases</label
          >
        }
        @case ('tags') {
          <label
            >Tag pattern (* and ?)
            <input [value]="form().pattern" (input)="set({ pattern: $any($event.target).value })"
          /></label>
        }
        @case ('workflow') {
          <label
            >Workflow name
            <input [value]="form().workflowName" (input)="set({ workflowName: $any($event.target).value })"
          /></label>
        }
      }
      <label
        >Incident labels (comma-separated)
        <input [value]="form().labels" (input)="set({ labels: $any($event.target).value })"
      /></label>
      <label class="check"
        ><input
          type="checkbox"
          [checked]="form().reverts"
          (change)="set({ reverts: $any($event.target).checked })"
        />
        Reverts are incidents</label
      >
      <label class="check"
        ><input
          type="checkbox"
          [checked]="form().failedDeployments"
          (change)="set({ failedDeployments: $any($event.target).checked })"
        />
        Failed deployments are incidents</label
      >
      <div class="actions">
        <button type="submit" [disabled]="busy()">Save for this repository</button>
        @if (settings().source === 'repository') {
          <button type="button" [disabled]="busy()" (click)="clear()">Use the organization's default</button>
        }
      </div>
      @if (problem()) {
        <p class="problem" role="alert">{{ problem() }}</p>
      }
    </form>
  `,
  styles: `
    form {
      display: grid;
      gap: 8px;
      max-width: 560px;
    }
    h4 {
      margin: 0;
    }
    label {
      display: grid;
      gap: 2px;
      font: var(--mat-sys-body-small);
    }
    label.check {
      display: flex;
      gap: 6px;
      align-items: center;
    }
    input:not([type='checkbox']),
    select {
      font: inherit;
      min-height: 32px;
      color: var(--mat-sys-on-surface);
      background: var(--mat-sys-surface-container);
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 8px;
      padding: 2px 8px;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
    .problem {
      margin: 0;
      color: var(--mat-sys-error);
    }
  `,
})
export class RuleFormComponent {
  private readonly api = inject(InsightsApi);
  readonly owner = input.required<string>();
  readonly name = input.required<string>();
  readonly settings = input.required<RepoInsightsSettings>();
  readonly saved = output<RepoInsightsSettings>();

  protected readonly form = linkedSignal<RuleForm>(() => formOf(this.settings().effective));
  protected readonly busy = signal(false);
  protected readonly problem = signal<string | null>(null);

  protected set(change: Partial<RuleForm>): void {
    this.form.update((f) => ({ ...f, ...change }));
  }

  protected save(): Promise<void> {
    return this.run(() => this.api.saveRepoSettings(this.owner(), this.name(), settingsOf(this.form())));
  }

  protected clear(): Promise<void> {
    return this.run(() => this.api.clearRepoSettings(this.owner(), this.name()));
  }

  private async run(call: () => ReturnType<InsightsApi['clearRepoSettings']>): Promise<void> {
    this.busy.set(true);
    this.problem.set(null);
    try {
      this.saved.emit(await firstValueFrom(call()));
    } catch (err) {
      this.problem.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }
}
