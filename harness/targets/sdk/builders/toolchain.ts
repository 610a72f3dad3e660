// The first line of `<tool> --version`, or a BuildError saying what to install.

import { spawnSync } from 'node:child_process';
import { BuildError } from './cache.ts';

export function toolVersion(cmd: string, args: readonly string[], install: string): string {
  const r = spawnSync(cmd, [...args], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new BuildError(`${cmd} is not on PATH: ${install}`);
  return (r.stdout || r.stderr).trim().split('\n')[0] ?? cmd;
}
