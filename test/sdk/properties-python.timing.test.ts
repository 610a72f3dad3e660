// The reconnection properties (issue 6, specs/sdk/properties) against the real python SDK, in CI. They are in
// the catalogue's slow lane so that the case catalogue keeps its 60 s budget; this file runs them anyway,
// serially in the timing project, gated by the SDK's baseline like every other case.
import { defineCatalogueSuite } from './support/catalogue-suite.ts';

defineCatalogueSuite('python', { only: (def) => def.id.startsWith('prop.'), includeSlow: true, label: 'reconnection properties' });
