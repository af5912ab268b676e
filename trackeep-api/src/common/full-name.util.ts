/**
 * A repository's `owner/name` split in two. Callers hold names that were validated or came from GitHub, so any
 * other shape is a programming error and fails loudly rather than yielding an undefined owner or name.
 */
export function splitFullName(fullName: string): [owner: string, name: string] {
  const [owner, name, ...rest] = fullName.split('/');
  if (!owner || !name || rest.length)
    throw new Error(`Not an owner/name repository name: ${JSON.stringify(fullName)}`);
  return [owner, name];
}

/** The owner (user or organization) part of a repository's `owner/name`. */
export function ownerOf(fullName: string): string {
  return splitFullName(fullName)[0];
}
