// The SDK catalogue against the real rust SDK, gated by its baseline (see support/catalogue-suite.ts).
import { defineCatalogueSuite } from './support/catalogue-suite.ts';

defineCatalogueSuite('rust');
