import {
  ChangeDetectionStrategy,
  Component,
  inject,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { InsightsSettings } from '@trackeep/contracts';
import { firstValueFrom, type Observable } from 'rxjs';
import { describeError } from '../../core/api/api-error';
import { InsightsApi } from '../../core/api/insights.api';
import { formOf, settingsOf, type RuleForm } from './rule-form';

/** Whose rule the form changes. */
export type RuleTarget = { kind: 'repo'; owner: string; name: string } | { kind: 'org'; org: string };

/**
 * Changes how deployments and incidents are detected: a repository's own rule, or an organization's default (the
 * API checks the permission and says why when it refuses).
 */
@Component({
  selector: 'trk-rule-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule],
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
        <button mat-flat-button type="submit" [disabled]="busy()">
          {{ target().kind === 'repo' ? 'Save for this repository' : 'Save as the organization default' }}
        </button>
        @if (own()) {
          <button mat-stroked-button type="button" [disabled]="busy()" (click)="clear()">
            {{ target().kind === 'repo' ? "Use the organization's default" : 'Use the built-in default' }}
          </button>
        }
      </div>
      @if (problem()) {
        <p class="problem" role="alert">{{ problem() }}</p>
      }
    </form>
  `,
  styleUrl: './settings-form.scss',
  styles: `
    :host {
      display: block;
      margin-top: 16px;
    }
    h4 {
      margin: 0;
    }
    label.check {
      display: flex;
      gap: 6px;
      align-items: center;
    }
  `,
})
export class RuleFormComponent {
  private readonly api = inject(InsightsApi);
  readonly target = input.required<RuleTarget>();
  /** The settings in force, which the form starts from. */
  readonly effective = input.required<InsightsSettings>();
  /** Whether the target has settings of its own (which can be dropped). */
  readonly own = input.required<boolean>();
  readonly saved = output<void>();

  protected readonly form = linkedSignal<RuleForm>(() => formOf(this.effective()));
  protected readonly busy = signal(false);
  protected readonly problem = signal<string | null>(null);

  protected set(change: Partial<RuleForm>): void {
    this.form.update((f) => ({ ...f, ...change }));
  }

  protected save(): Promise<void> {
    const t = this.target();
    const body = settingsOf(this.form());
    return this.run(
      t.kind === 'repo'
        ? this.api.saveRepoSettings(t.owner, t.name, body)
        : this.api.saveOrgSettings(t.org, body),
    );
  }

  protected clear(): Promise<void> {
    const t = this.target();
    return this.run(
      t.kind === 'repo' ? this.api.clearRepoSettings(t.owner, t.name) : this.api.clearOrgSettings(t.org),
    );
  }

  private async run(call: Observable<unknown>): Promise<void> {
    this.busy.set(true);
    this.problem.set(null);
    try {
      await firstValueFrom(call);
      this.saved.emit();
    } catch (err) {
      this.problem.set(describeError(err));
    } finally {
      this.busy.set(false);
    }
  }
}
