// The SDK catalogue against the real node SDK, gated by its baseline (see support/catalogue-suite.ts).
import { defineCatalogueSuite } from './support/catalogue-suite.ts';

defineCatalogueSuite('node');
