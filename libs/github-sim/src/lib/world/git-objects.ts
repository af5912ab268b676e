import { createHash } from 'node:crypto';
import type { SimCommit, SimCommitAuthor } from './world.types';

/** The `before` of a created branch and the `after` of a deleted one, as in GitHub's push payloads. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** An annotated tag object's SHA: the SHA-1 of git's tag object text, like git's own. */
export function tagObjectSha(input: {
  name: string;
  commit: string;
  message: string;
  tagger: SimCommitAuthor;
  date: number;
}): string {
  const secs = Math.floor(input.date / 1000);
  const text =
    `object ${input.commit}\ntype commit\ntag ${input.name}\n` +
    `tagger ${input.tagger.name} <${input.tagger.email}> ${secs} +0000\n\n${input.message}\n`;
  return createHash('sha1')
    .update(`tag ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
}

/** A commit object whose SHA is the SHA-1 of a git-style commit text, like git's own. */
export function makeCommit(input: {
  message: string;
  author: SimCommitAuthor;
  committer: SimCommitAuthor;
  date: number;
  parents: string[];
  files: SimCommit['files'];
}): SimCommit {
  const treeSha = createHash('sha1')
    .update(`tree ${input.parents.join(',')} ${JSON.stringify(input.files)}`)
    .digest('hex');
  const secs = Math.floor(input.date / 1000);
  const text =
    `tree ${treeSha}\n` +
    input.parents.map((p) => `parent ${p}\n`).join('') +
    `author ${input.author.name} <${input.author.email}> ${secs} +0000\n` +
    `committer ${input.committer.name} <${input.committer.email}> ${secs} +0000\n\n${input.message}\n`;
  const sha = createHash('sha1')
    .update(`commit ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');
  return {
    sha,
    treeSha,
    message: input.message,
    author: input.author,
    committer: input.committer,
    authoredAt: input.date,
    committedAt: input.date,
    parents: input.parents,
    additions: input.files.reduce((s, f) => s + f.additions, 0),
    deletions: input.files.reduce((s, f) => s + f.deletions, 0),
    files: input.files,
  };
}
