// The SDK catalogue against iii-browser-sdk in headless Chromium, gated by its baseline (see
// ../sdk/support/catalogue-suite.ts). Skipped, saying why, unless the set-up was given III_BROWSER_SDK_DIR.
import { defineCatalogueSuite } from '../sdk/support/catalogue-suite.ts';

defineCatalogueSuite('browser');
