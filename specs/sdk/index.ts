// PLACEHOLDER: the SDK catalogue work (issue 5) replaces this file. The export name and shape stay.
import type { Catalogue, SdkTargetSpec } from '../../harness/cases/catalogue.ts';

export type SdkCaseContext = Record<string, never>;

export const sdkCatalogue: Catalogue<SdkCaseContext, SdkTargetSpec> = {
  side: 'sdk',
  cases: [],
  open: async () => {
    throw new Error('the SDK catalogue is not built yet');
  },
};
