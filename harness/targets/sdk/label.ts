// The one name of an SDK target, used in progress lines, reports and log file names.

import type { SdkTargetSpec } from '../../cases/catalogue.ts';

export function describeTarget(spec: SdkTargetSpec): string {
  if (spec.kind === 'cmd') return `cmd:${spec.command}`;
  if (spec.source?.kind === 'published') return `${spec.sdk}@${spec.source.version}`;
  if (spec.source?.kind === 'tree') return `${spec.sdk} --sdk-source ${spec.source.dir}`;
  return spec.sdk;
}
