// PLACEHOLDER: the engine catalogue work (issue 7) replaces this file. The export name and shape stay.
import type { Catalogue, EngineTargetSpec } from '../../harness/cases/catalogue.ts';

export type EngineCaseContext = Record<string, never>;

export const engineCatalogue: Catalogue<EngineCaseContext, EngineTargetSpec> = {
  side: 'engine',
  cases: [],
  open: async () => {
    throw new Error('the engine catalogue is not built yet');
  },
};
